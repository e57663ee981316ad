"""Messages in the subscriber's language: chosen at sign-up (the page's language by
default), changed on the manage page, set by staff through the API. Each subscriber gets
the words of its language through the real fan-out (the SMTP sink and the Twilio fake),
or the English text where its language has no template for the message."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from app.incidents.services import declare_incident
from app.maintenance.services import schedule_maintenance
from core.db import db
from subscribers.channels import channels_for
from subscribers.fanout import drain
from subscribers.links import link_token
from subscribers.models import Broadcast, Subscriber
from subscribers.outbox import expand_broadcast
from tests.snapshot import snapshot

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def senders(app, smtp_sink, fake_twilio):
    """Email to the local SMTP sink, SMS to the local Twilio fake."""
    app.config.update(
        EMAIL_BACKEND="smtp",
        SMTP_HOST=smtp_sink.host,
        SMTP_PORT=smtp_sink.port,
        SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
        TWILIO_AUTH_TOKEN=fake_twilio.auth_token,
        TWILIO_FROM="+15005550001",
        TWILIO_API_BASE=fake_twilio.url,
        SMS_RATE=0,
    )
    return smtp_sink, fake_twilio


def send_everything(app) -> None:
    for broadcast_id in db.session.scalars(select(Broadcast.id)).all():
        expand_broadcast(broadcast_id)
    db.session.commit()
    for kind in ("email", "sms"):
        channel = channels_for(app, kind)[kind]
        try:
            drain(channel)
        finally:
            channel.close()


def emails(smtp_sink) -> dict[str, EmailMessage]:
    return {m.recipients[0]: m.message for m in smtp_sink.messages}


def texts(fake_twilio) -> dict[str, str]:
    return {r.form["To"]: r.form["Body"] for r in fake_twilio.requests}


def body_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.fixture
def readers(make_subscriber):
    """The same customers' notices, read in three languages."""
    return {
        "en": make_subscriber("ann@example.com"),
        "de": make_subscriber("bernd@example.com", language="de"),
        "es": make_subscriber("carmen@example.com", language="es"),
        "de_sms": make_subscriber("+4915123456789", channel="sms", language="de"),
    }


def test_a_german_subscriber_gets_the_german_email_and_sms_of_an_update(
    app, senders, readers, make_component
):
    smtp_sink, fake_twilio = senders
    api = make_component("API")
    declare_incident(
        None,
        "Slow logins",
        "major",
        {api: "partial_outage"},
        body="Logins take up to a minute.",
        reviewed=True,
    )
    db.session.commit()
    send_everything(app)
    mail = emails(smtp_sink)
    assert mail["ann@example.com"]["Subject"] == "[Investigating] Slow logins"
    assert mail["bernd@example.com"]["Subject"] == "[Wird untersucht] Slow logins"
    assert mail["carmen@example.com"]["Subject"] == "[Investigando] Slow logins"
    german = body_of(mail["bernd@example.com"])
    assert "Betrifft API" in german and "Diese Störung verfolgen:" in german
    assert "Abonnement verwalten:" in german and "Follow this incident" not in german
    html = mail["bernd@example.com"].get_body(("html",)).get_content()
    assert '<html lang="de">' in html and "Abbestellen" in html
    sms = texts(fake_twilio)["+4915123456789"]
    assert sms.startswith("Herald Status: Slow logins (Wird untersucht)")
    assert sms.endswith("Abmelden: Antworten Sie mit STOP.")
    # The English reader's message is as before, word for word.
    assert "Affects API" in body_of(mail["ann@example.com"])


def test_a_maintenance_notice_comes_from_the_template_in_each_language(
    app, senders, readers, make_component
):
    smtp_sink, _ = senders
    database = make_component("Database")
    start = datetime(2027, 1, 14, 20, 0, tzinfo=UTC)
    schedule_maintenance(
        None,
        "Database upgrade",
        start,
        start + timedelta(hours=2),
        [database],
        body="Expect short read-only periods.",
    )
    db.session.commit()
    send_everything(app)
    mail = emails(smtp_sink)
    assert mail["bernd@example.com"]["Subject"] == (
        "Geplante Wartung: Database upgrade, 14. Jan. 2027, 20:00 – 22:00 UTC"
    )
    assert mail["carmen@example.com"]["Subject"].startswith("Mantenimiento programado:")
    assert "14 ene 2027, 20:00 – 22:00 UTC" in mail["carmen@example.com"]["Subject"]
    german = body_of(mail["bernd@example.com"])
    assert "Wir haben eine Wartung geplant für Database" in german
    # The team's own note is theirs, in the words they wrote, under a German heading.
    assert "Eine Nachricht unseres Teams:** Expect short read-only periods." in german
    assert mail["ann@example.com"]["Subject"].startswith("Scheduled maintenance: Database upgrade")


def test_a_language_without_a_template_gets_the_english_text(
    app, senders, make_subscriber, make_component
):
    """Herald ships German and Spanish templates for customers, press and support only:
    an engineering reader who chose German gets the engineering audience's English
    notice."""
    smtp_sink, _ = senders
    make_subscriber("oncall@example.com", audience="engineering", language="de")
    make_subscriber("sre@example.com", audience="engineering")
    database = make_component("Database")
    start = datetime(2027, 1, 14, 22, 0, tzinfo=UTC)
    schedule_maintenance(
        None, "Database upgrade", start, start + timedelta(hours=2), [database], body="Upgrade."
    )
    db.session.commit()
    source = Broadcast.source.endswith(":engineering")
    engineering = db.session.scalar(select(Broadcast).where(source))
    assert engineering.translations == {}
    send_everything(app)
    mail = emails(smtp_sink)
    assert mail["oncall@example.com"]["Subject"] == mail["sre@example.com"]["Subject"]
    # The layout's own words are the English message's too: one language per message.
    assert "Manage your subscription" in body_of(mail["oncall@example.com"])


def test_a_support_reader_gets_the_support_briefing_in_their_language(
    app, senders, make_subscriber, make_component
):
    smtp_sink, _ = senders
    make_subscriber("helpdesk@example.com", audience="support", language="de")
    make_subscriber("mesa@example.com", audience="support", language="es")
    make_subscriber("desk@example.com", audience="support")
    database = make_component("Database")
    start = datetime(2027, 1, 14, 22, 0, tzinfo=UTC)
    schedule_maintenance(
        None, "Database upgrade", start, start + timedelta(hours=2), [database], body="Upgrade."
    )
    db.session.commit()
    support = db.session.scalar(select(Broadcast).where(Broadcast.source.endswith(":support")))
    assert set(support.translations) == {"de", "es"}
    send_everything(app)
    mail = emails(smtp_sink)
    assert mail["helpdesk@example.com"]["Subject"] == (
        "Support-Briefing (Wartung geplant): Database upgrade"
    )
    german = body_of(mail["helpdesk@example.com"])
    assert "- Es handelt sich um eine geplante Wartung: Database upgrade, 14. Jan. 2027" in german
    assert "- Betroffene Dienste: Database." in german
    assert mail["mesa@example.com"]["Subject"] == (
        "Informe para soporte (mantenimiento programado): Database upgrade"
    )
    assert "- Servicios afectados: Database." in body_of(mail["mesa@example.com"])
    assert mail["desk@example.com"]["Subject"] == (
        "Support briefing (maintenance scheduled): Database upgrade"
    )


def test_signing_up_on_the_german_page_confirms_in_german(app, client, senders):
    smtp_sink, _ = senders
    form = client.get("/subscribe", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<option value="de" lang="de" selected>Deutsch</option>' in form
    token = CSRF_RE.search(form).group(1)
    response = client.post(
        "/subscribe",
        data={"csrf_token": token, "channel": "email", "address": "rita@example.com"},
        headers={"Accept-Language": "de"},
    )
    assert response.status_code == 303
    subscriber = db.session.scalar(
        select(Subscriber).where(Subscriber.address == "rita@example.com")
    )
    assert subscriber.language == "de"
    send_everything(app)
    mail = emails(smtp_sink)["rita@example.com"]
    assert mail["Subject"] == "Bestätigen Sie Ihr Abonnement der Updates von Herald Status"
    assert "Der Link ist 7 Tage gültig." in body_of(mail)


def test_the_language_chosen_on_the_form_wins_over_the_page_s(client):
    form = client.get("/subscribe").get_data(as_text=True)
    token = CSRF_RE.search(form).group(1)
    client.post(
        "/subscribe",
        data={
            "csrf_token": token,
            "channel": "sms",
            "address": "+34612345678",
            "language": "es",
        },
    )
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.channel == "sms"))
    assert subscriber.language == "es"
    broadcast = db.session.scalar(select(Broadcast).where(Broadcast.subscriber_id == subscriber.id))
    assert broadcast.sms_body.startswith("Herald Status: responda YES para recibir avisos")


@pytest.mark.parametrize("bad", ["xx", "DE", "en-US", "' or 1=1"])
def test_signing_up_with_a_language_herald_does_not_have_is_refused_and_stores_nothing(
    client, audiences, bad
):
    form = client.get("/subscribe").get_data(as_text=True)
    token = CSRF_RE.search(form).group(1)
    before = snapshot()
    response = client.post(
        "/subscribe",
        data={"csrf_token": token, "channel": "email", "address": "x@example.com", "language": bad},
    )
    assert response.status_code == 400
    assert "Choose a language from the list." in response.get_data(as_text=True)
    assert snapshot() == before


def test_the_manage_page_changes_the_language_of_the_messages(client, make_subscriber):
    subscriber = make_subscriber("ann@example.com")
    url = f"/subscriptions/{link_token(subscriber.link_id)}"
    page = client.get(url, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Language of the messages" in page  # the page speaks the subscriber's language
    token = CSRF_RE.search(page).group(1)
    response = client.post(url, data={"csrf_token": token, "scope": "all", "language": "es"})
    assert response.status_code == 303
    db.session.refresh(subscriber)
    assert subscriber.language == "es"
    before = snapshot()
    refused = client.post(url, data={"csrf_token": token, "scope": "all", "language": "klingon"})
    assert refused.status_code == 400
    db.session.refresh(subscriber)
    assert subscriber.language == "es" and snapshot() == before


def test_a_published_update_reaches_german_customers_through_their_template(
    app, senders, readers, make_component, make_user
):
    """The lead writes one fact sheet; the approved English text goes to English
    readers, and the customers' German and Spanish templates, with the same facts, to
    the others."""
    from app.comms import approval, drafting
    from app.comms.context import Facts
    from app.comms.publishing import publish_set

    smtp_sink, fake_twilio = senders
    lead, approver = make_user("comms_lead"), make_user("approver")
    api = make_component("Payments API")
    incident = declare_incident(None, "Card payments failing", "major", {api: "partial_outage"})
    db.session.commit()
    facts = Facts(
        summary="Some card payments fail.",
        workaround="Pay by bank transfer.",
        next_update_at=datetime.now(UTC) + timedelta(hours=1),
    )
    sheet = drafting.compose(
        lead, incident, status="identified", facts=facts, audiences=["customers"]
    )
    db.session.commit()
    approval.approve(approver, sheet.drafts[0])
    db.session.commit()
    publish_set(lead, sheet)
    db.session.commit()
    send_everything(app)
    mail = emails(smtp_sink)
    assert (
        mail["ann@example.com"]["Subject"] == "Cause found, fix in progress: Card payments failing"
    )
    german = mail["bernd@example.com"]
    assert german["Subject"] == "Ursache gefunden, Lösung in Arbeit: Card payments failing"
    assert "Wir haben die Ursache des Problems gefunden, das Payments API betrifft" in body_of(
        german
    )
    assert "**Was Sie tun können:** Pay by bank transfer." in body_of(german)
    spanish = mail["carmen@example.com"]["Subject"]
    assert spanish == "Causa encontrada, solución en curso: Card payments failing"
    sms = texts(fake_twilio)["+4915123456789"]
    assert "Ursache gefunden, wir arbeiten an einer Lösung." in sms
    assert sms.endswith("Abmelden mit STOP.")


def test_staff_add_a_spanish_subscriber_in_the_admin_and_the_notice_is_spanish(
    staff, make_user, audiences
):
    admin = staff(make_user("admin"))
    form = admin.get("/admin/subscribers/new").get_data(as_text=True)
    assert '<option value="es">Español</option>' in form
    data = {"channel": "email", "address": "lucia@example.com", "audience": "customers"}
    response = admin.post("/admin/subscribers/new", data={**data, "team_id": 0, "language": "es"})
    assert response.status_code == 302
    subscriber = db.session.scalar(select(Subscriber))
    assert subscriber.language == "es"
    notice = db.session.scalar(select(Broadcast).where(Broadcast.subscriber_id == subscriber.id))
    assert notice.sms_body.startswith("Herald Status: le hemos añadido a los avisos de estado")
    assert "Español" in admin.get(f"/admin/subscribers/{subscriber.id}").get_data(as_text=True)
    before = snapshot()
    refused = admin.post(
        "/admin/subscribers/new",
        data={**data, "address": "x@example.com", "team_id": 0, "language": "fr"},
    )
    assert refused.status_code == 400 and snapshot() == before


def test_a_text_the_lead_edited_goes_out_as_approved_in_every_language(
    app, senders, readers, make_component, make_user
):
    """A template cannot carry a hand edit, and nobody approved a translation without it:
    German and Spanish readers get the approved English text, word for word."""
    from app.comms import approval, drafting
    from app.comms.context import Facts
    from app.comms.publishing import publish_set

    smtp_sink, fake_twilio = senders
    lead, approver = make_user("comms_lead"), make_user("approver")
    api = make_component("Payments API")
    incident = declare_incident(None, "Card payments failing", "major", {api: "partial_outage"})
    db.session.commit()
    facts = Facts(
        summary="Some card payments fail.",
        next_update_at=datetime.now(UTC) + timedelta(hours=1),
    )
    sheet = drafting.compose(
        lead, incident, status="identified", facts=facts, audiences=["customers"]
    )
    db.session.commit()
    draft = sheet.drafts[0]
    edited = draft.email_body + "\n\nCards issued by Northbank are not affected."
    drafting.edit_draft(lead, draft, email_body=edited)
    db.session.commit()
    approval.approve(approver, draft)
    db.session.commit()
    publish_set(lead, sheet)
    db.session.commit()
    send_everything(app)
    mail = emails(smtp_sink)
    english_subject = "Cause found, fix in progress: Card payments failing"
    for reader in ("ann@example.com", "bernd@example.com", "carmen@example.com"):
        assert mail[reader]["Subject"] == english_subject
        assert "Cards issued by Northbank are not affected." in body_of(mail[reader])
    assert "Ursache gefunden" not in texts(fake_twilio)["+4915123456789"]
