"""The communications workflow end to end in a real browser (issue 4, section 10).

A communications lead declares an incident in the admin, writes one fact sheet in the
composer and gets a draft for customers, support and engineering; a check fires on a word
she adds and goes away when she rewords it; an approver, in a browser of her own, approves
the customers draft; the lead publishes. Each audience's subscribers then receive their
own email through SMTP, the public page shows the customers text and the internal page the
engineering text.

This module runs its own server (the session's ``live_server`` sends no email): the demo
data, three subscribers of our own, and ``EMAIL_BACKEND="smtp"`` pointed at a local
SmtpSink. No worker runs in it: after publishing, the test expands the three broadcasts
the publication made and sends their emails itself, in the server's app context and on its
database. (The embedded worker would also send the demo's own pending broadcasts, to our
subscribers too, and write text messages into instance/.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) and says why
    expect = None

from app.demo import DEMO_PASSWORD
from tests.browser.conftest import serving
from tests.fakes.smtp import SmtpSink

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000
LEAD, APPROVER = "comms@example.com", "approver@example.com"
# One subscriber of our own per audience (the demo has a few more in each).
READERS = {
    "customers": "customer.reader@example.com",
    "support": "support.reader@example.com",
    "engineering": "engineering.reader@example.com",
}
AUDIENCES = list(READERS)

INCIDENT = "Invoice emails delayed"
COMPONENT = "Invoicing"
DECLARED = "Invoice emails are arriving late. We are investigating."
SUMMARY = "Invoice emails are being sent late; we found the cause and are fixing it."
CUSTOMER_IMPACT = "Invoices are created as usual, but their emails arrive up to an hour late."
WORKAROUND = "Copy the payment link from the dashboard and send it to your customer yourself."
TECHNICAL = "invoice-mailer workers stalled on a full disk volume; expanding it and replaying."
# The lead's small edit of the customers page text: jargon first, then plain words.
WITH_JARGON = "Invoices you already sent are not affected by the replica problem."
PLAIN = "Invoices you already sent are not affected by this delay."

SUBJECTS = {
    "customers": f"Cause found, fix in progress: {INCIDENT}",
    "support": f"Support briefing (cause found): {INCIDENT}",
    "engineering": f"Identified (minor impact): {INCIDENT}",
}


@dataclass(frozen=True)
class CommsServer:
    url: str
    app: object  # the Flask app, for the worker's steps in its app context
    sink: SmtpSink

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc


@pytest.fixture(scope="module")
def comms_server(chromium, tmp_path_factory) -> Iterator[CommsServer]:
    """The real app with the demo data and our subscribers, sending email over SMTP to a
    local sink, served on a free port of 127.0.0.1. Depends on ``chromium`` so that
    nothing starts when the browser tests are skipped."""
    from app import create_app
    from app.demo import seed_demo
    from app.models import Base
    from core.db import db
    from subscribers import registry

    folder = tmp_path_factory.mktemp("comms")
    with SmtpSink() as sink:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'herald.db'}",
                "SECRET_KEY": "browser-comms-secret",
                "SERVER_NAME": None,
                "EMBEDDED_WORKER": False,
                "EMAIL_BACKEND": "smtp",
                "SMTP_HOST": sink.host,
                "SMTP_PORT": sink.port,
                "SMTP_STARTTLS": False,
                "SMTP_USERNAME": "",
                "PROVIDER_TIMEOUT": 5.0,
            }
        )
        with app.app_context():
            Base.metadata.create_all(db.engine)
            seed_demo()
            for audience, address in READERS.items():
                registry.add_internal("email", address, audience, notify=False)
            db.session.commit()
            db.session.remove()

        with serving(app, folder, "herald-comms") as url:
            yield CommsServer(url, app, sink)


@pytest.fixture
def new_page(browser, comms_server):
    """``new_page()``: a page in a fresh browser context (its own cookies) on the comms
    server; the contexts close before the server stops."""
    contexts = []

    def make():
        context = browser.new_context(base_url=comms_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page, email: str, path: str) -> None:
    """Open a staff page, sign in on the form it sends us to, and land back on it."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.locator("footer")).to_contain_text(f"signed in as {email}")


def card(page, audience: str):
    return page.locator(f"section#draft-{audience}")


def send_published_emails(server: CommsServer, public_id: str) -> dict[str, dict[str, str]]:
    """The worker's part for this fact sheet's broadcasts: expand each into deliveries,
    then send the email deliveries over SMTP. Returns, per audience, each email
    delivery's address and state."""
    from sqlalchemy import select

    from app.models import FactSheet
    from core.db import db
    from subscribers.channels import channels_for
    from subscribers.fanout import drain
    from subscribers.models import Delivery
    from subscribers.outbox import expand_broadcast

    with server.app.app_context():
        try:
            sheet = db.session.scalar(select(FactSheet).where(FactSheet.public_id == public_id))
            broadcasts = {d.audience_key: d.broadcast_id for d in sheet.drafts}
            assert all(broadcasts.values()), broadcasts
            for broadcast_id in broadcasts.values():
                expand_broadcast(broadcast_id)
            email = channels_for(server.app, only="email")["email"]
            try:
                drain(email)
            finally:
                email.close()
            return {
                key: dict(
                    db.session.execute(
                        select(Delivery.address, Delivery.state).where(
                            Delivery.broadcast_id == broadcast_id, Delivery.channel == "email"
                        )
                    ).all()
                )
                for key, broadcast_id in broadcasts.items()
            }
        finally:
            db.session.remove()


def plain_body(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content()


def test_lead_drafts_approver_approves_lead_publishes_each_audience_gets_its_text(
    comms_server, new_page, watch
):
    server = comms_server
    lead = new_page()
    lead_traffic = watch(lead, server.netloc)

    # 1. The communications lead declares the incident on one public component.
    sign_in(lead, LEAD, "/admin/incidents/new")
    lead.get_by_label("Incident name").fill(INCIDENT)
    lead.get_by_label("Message (Markdown)").fill(DECLARED)
    lead.get_by_label(COMPONENT, exact=True).select_option("degraded_performance")
    # The lead tells subscribers through the composer, with PR's approval.
    lead.get_by_label("Notify subscribers").uncheck()
    lead.get_by_role("button", name="Declare incident").click()
    # Customers need approval: the message goes to the internal page, and the lead goes
    # straight to the composer to write the public text.
    expect(lead.locator(".flashes")).to_have_text(
        f"Declared {INCIDENT}. Customers need approval: this message goes to the internal "
        "page; use the composer for the public text."
    )

    # 2. The composer: one fact sheet, a draft for three audiences.
    expect(lead).to_have_url(re.compile(r"/admin/incidents/\d+/compose$"))
    expect(lead.get_by_role("heading", name="Compose an update for every audience")).to_be_visible()
    # Pre-filled: the affected component's status and a next-update time.
    expect(lead.get_by_label(COMPONENT, exact=True)).to_have_value("degraded_performance")
    expect(lead.get_by_label("Next update")).not_to_have_value("")
    lead.get_by_label("Status").select_option("identified")
    lead.get_by_label("What is happening").fill(SUMMARY)
    lead.get_by_label("Customer impact").fill(CUSTOMER_IMPACT)
    lead.get_by_label("Workaround").fill(WORKAROUND)
    lead.get_by_label("Technical detail").fill(TECHNICAL)
    for key in ("customers", "press", "support", "engineering", "executives", "teams"):
        box = lead.locator(f"#audience-{key}")
        expect(box).to_be_checked()  # every audience is offered and chosen at first
        if key not in AUDIENCES:
            box.uncheck()
    lead.get_by_role("button", name="Write the drafts").click()

    expect(lead).to_have_url(re.compile(r"/admin/fact-sheets/\w+$"))
    sheet_path = urlsplit(lead.url).path
    public_id = sheet_path.rsplit("/", 1)[1]
    expect(lead.locator(".flashes")).to_have_text(
        "Drafted the update for 3 audiences. Check each draft, then publish."
    )
    expect(lead.locator("h1")).to_have_text(f"Identified update: {INCIDENT}")
    expect(lead.locator("section.draft h2")).to_have_text(
        [re.compile(r"^Customers\b"), re.compile(r"^Support\b"), re.compile(r"^Engineering\b")]
    )
    # Each audience gets its own words from the same facts.
    customers, support, engineering = (card(lead, key) for key in AUDIENCES)
    expect(customers.locator(".preview-email")).to_contain_text(SUBJECTS["customers"])
    expect(customers.locator(".preview-page")).to_contain_text("We're sorry for the disruption")
    expect(customers.locator(".preview-page")).not_to_contain_text(TECHNICAL)
    expect(support.locator(".preview-email")).to_contain_text(SUBJECTS["support"])
    expect(support.locator(".preview-email")).to_contain_text("Talking points")
    expect(engineering.locator(".preview-email")).to_contain_text(SUBJECTS["engineering"])
    expect(engineering.locator(".preview-page")).to_contain_text(TECHNICAL)
    for draft in (customers, support, engineering):
        expect(draft.locator("h3 + p.hint")).to_have_text("No problems found.")
    # Only the customers draft waits for an approver; the lead cannot approve it.
    expect(customers.locator("p.approval")).to_contain_text("Pending approval")
    expect(support.locator("p.approval")).to_contain_text("Ready")
    expect(engineering.locator("p.approval")).to_contain_text("Ready")
    # "Who has to act" names the approvers (the lead is not one of them).
    must_approve = re.compile(r"^Customers: (\w+ \w+)( or \w+ \w+)* must approve or reject\.$")
    expect(lead.locator("ul.waiting > li")).to_have_text([must_approve])
    expect(lead.get_by_role("button", name="Approve")).to_have_count(0)

    # 3. A small edit of the customers page text: a check fires on the jargon ...
    page_text = customers.get_by_label("Page text (Markdown)")
    original = page_text.input_value()
    page_text.fill(f"{original.rstrip()}\n\n{WITH_JARGON}")
    customers.get_by_role("button", name="Save draft").click()
    expect(lead.locator(".flashes")).to_have_text(
        "Saved the customers draft; the checks ran again."
    )
    finding = customers.locator("li.finding")
    expect(finding).to_have_count(1)
    expect(finding).to_contain_text("Warning")
    expect(finding).to_contain_text("Jargon in the page text: “replica”.")
    expect(finding.locator("mark")).to_have_text("replica")
    expect(lead.locator("ul.waiting > li")).to_have_text(
        [
            re.compile(
                r"^Customers: \w+ \w+ must change the text or give a reason for 1 warning\.$"
            ),
            must_approve,
        ]
    )
    # ... and goes away once the words are plain.
    page_text.fill(f"{original.rstrip()}\n\n{PLAIN}")
    customers.get_by_role("button", name="Save draft").click()
    expect(customers.locator("li.finding")).to_have_count(0)
    expect(customers.locator("h3 + p.hint")).to_have_text("No problems found.")
    expect(customers.locator(".preview-page")).to_contain_text(PLAIN)

    # Publishing now is refused: the customers draft has no approval yet.
    lead.get_by_role("button", name="Publish to every audience").click()
    expect(lead.locator(".flashes")).to_have_text(
        "Not ready to publish: customers: waiting for approval."
    )
    expect(lead.locator("h1")).to_have_text(f"Identified update: {INCIDENT}")
    expect(lead.locator("section.went-out")).to_have_count(0)

    # 4. The approver, in a browser of her own, approves the customers draft.
    approver = new_page()
    approver_traffic = watch(approver, server.netloc)
    sign_in(approver, APPROVER, sheet_path)
    expect(approver.locator("ul.waiting > li")).to_have_text(
        [re.compile(r"^Customers: .*Priya PR.* must approve or reject\.$")]
    )
    # The navigation says something waits for her.
    expect(approver.locator("a.waiting-count")).to_have_text("Waiting for you (1)")
    expect(card(approver, "customers").locator(".preview-page")).to_contain_text(PLAIN)
    # Approvers review; they neither edit nor publish.
    expect(approver.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(approver.get_by_role("button", name="Publish to every audience")).to_have_count(0)
    # Only the draft that needs approval has review buttons.
    expect(card(approver, "support").get_by_role("button", name="Approve")).to_have_count(0)
    card(approver, "customers").get_by_role("button", name="Approve").click()
    expect(approver.locator(".flashes")).to_have_text("Approved the customers draft.")
    expect(card(approver, "customers").locator("p.approval")).to_contain_text(
        "Approved by Priya PR"
    )
    # Someone still has to act: the lead publishes.
    expect(approver.locator("section.who-acts")).to_contain_text(
        re.compile(r"Every draft is ready: .+ must publish the set\.")
    )
    expect(approver.locator("section.who-acts")).not_to_contain_text("Nobody")

    # 5. The lead sees the approval and publishes the set.
    lead.goto(sheet_path)
    expect(card(lead, "customers").locator("p.approval")).to_contain_text("Approved by Priya PR")
    for key in AUDIENCES:
        expect(card(lead, key).get_by_label(re.compile(r"^Notify .* subscribers"))).to_be_checked()
    lead.get_by_role("button", name="Publish to every audience").click()
    # One confirmation, repeating how many people each audience's message reaches.
    expect(lead.locator("section.reach h2")).to_contain_text("Who this reaches:")
    lead.get_by_role("button", name=re.compile(r"^Yes, publish and notify")).click()
    expect(lead.locator(".flashes")).to_have_text(
        "Published the identified update for customers, support, engineering; "
        "notifying customers, support, engineering."
    )
    went_out = lead.locator("section.went-out tbody tr")
    expect(went_out).to_have_count(3)
    expect(went_out.nth(0)).to_contain_text("Customers")
    expect(went_out.nth(0)).to_contain_text("public page")
    expect(went_out.nth(2)).to_contain_text("Engineering")
    expect(went_out.nth(2)).to_contain_text("internal page")
    for row in went_out.all():
        expect(row).to_contain_text(re.compile(r"Broadcast #\d+"))

    # 6. The worker's part: every audience's subscribers get their own email.
    deliveries = send_published_emails(server, public_id)
    for key, address in READERS.items():
        assert deliveries[key].get(address) == "sent", deliveries[key]
    sink = server.sink
    by_subject: dict[str, set[str]] = {}
    for received in sink.messages:
        by_subject.setdefault(received.message["Subject"], set()).update(received.recipients)
    # Only the three broadcasts went out, each to exactly its audience's email addresses.
    assert set(by_subject) == set(SUBJECTS.values())
    assert {key: by_subject[SUBJECTS[key]] for key in AUDIENCES} == {
        key: set(deliveries[key]) for key in AUDIENCES
    }
    assert all(state == "sent" for key in AUDIENCES for state in deliveries[key].values())
    bodies = {}
    for key, address in READERS.items():
        mine = sink.to(address)
        assert len(mine) == 1, f"{address} got {len(mine)} emails"
        assert mine[0].recipients == [address]
        assert mine[0].message["Subject"] == SUBJECTS[key]
        bodies[key] = plain_body(mine[0])
    for key, address in READERS.items():  # and nobody else's message
        for other in AUDIENCES:
            if other != key:
                assert address not in by_subject[SUBJECTS[other]]
    assert len(set(bodies.values())) == 3, "each audience's email should differ"
    assert "We're sorry for the disruption this is causing." in bodies["customers"]
    assert CUSTOMER_IMPACT in bodies["customers"]
    assert TECHNICAL not in bodies["customers"]
    assert "Here's what to tell customers" in bodies["support"]
    assert WORKAROUND in bodies["support"]
    assert TECHNICAL not in bodies["support"]
    assert TECHNICAL in bodies["engineering"]
    assert "Identified" in bodies["engineering"]
    # The demo's own subscribers of each audience heard too, from their audience only.
    assert "it-ops@acme-retail.example" in by_subject[SUBJECTS["customers"]]
    assert "support-leads@example.com" in by_subject[SUBJECTS["support"]]
    assert "sre-oncall@example.com" in by_subject[SUBJECTS["engineering"]]

    # 7. The public page shows the customers text, never the engineering one.
    public = new_page()
    public_traffic = watch(public, server.netloc)
    public.goto("/")
    event = public.locator("article.event").filter(has_text=INCIDENT)
    expect(event).to_be_visible()
    expect(event.locator(".meta")).to_contain_text("Identified")
    expect(event.locator(".meta")).to_contain_text(f"Affects {COMPONENT}")
    newest = event.locator("ol.timeline > li").first
    expect(newest.locator(".when strong")).to_have_text("Identified")
    expect(newest.locator(".body")).to_contain_text(
        f"We've found the cause of the problem affecting {COMPONENT}"
    )
    expect(newest.locator(".body")).to_contain_text(CUSTOMER_IMPACT)
    expect(newest.locator(".body")).to_contain_text(PLAIN)
    expect(event).not_to_contain_text(TECHNICAL)
    # The declaration's message was never approved: it is not on the public page.
    expect(event.locator("ol.timeline > li")).to_have_count(1)
    expect(event).not_to_contain_text(DECLARED)

    # 8. The internal page (signed in) shows the engineering text for the incident.
    lead.goto("/internal")
    internal = lead.locator("article.event").filter(has_text=INCIDENT)
    expect(internal).to_be_visible()
    newest = internal.locator("ol.timeline > li").first
    expect(newest.locator(".when strong")).to_have_text("Identified")
    expect(newest.locator(".body")).to_contain_text(f"Technical detail: {TECHNICAL}")
    expect(newest.locator(".body")).to_contain_text(SUMMARY)
    expect(newest.locator(".body")).not_to_contain_text(PLAIN)
    expect(internal.locator("ol.timeline > li").last.locator(".body")).to_have_text(DECLARED)

    # The refused publish above answered 400; nothing else failed, nothing left 127.0.0.1.
    assert lead_traffic.failures == [
        f"HTTP 400: {server.url}{sheet_path}/publish",
        "console: Failed to load resource: the server responded with a status of 400 (BAD REQUEST)",
    ]
    for traffic in (lead_traffic, approver_traffic, public_traffic):
        assert traffic.outside() == []
    assert approver_traffic.failures == []
    assert public_traffic.failures == []
