"""The shipped message templates (templates/comms/<audience>/<phase>.txt): each renders,
reads well with sparse facts, keeps its SMS within two GSM-7 segments, speaks its
audience's language, passes the draft checks, and matches its golden file.

``HERALD_UPDATE_GOLDEN=1 pytest tests/comms/test_default_templates.py`` rewrites the
golden files under tests/golden/comms/; review the diff before committing it.
"""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.comms import checks, phrases, templating
from app.comms.context import SAMPLE_NOW, Facts, sample_context
from app.comms.phases import INCIDENT_PHASES, MAINTENANCE_PHASES, TEMPLATE_PHASES
from subscribers.channels.segments import is_gsm7, segment_count
from tests.subscribers.test_golden import GOLDEN, UPDATE, read, write

CASES = [(audience, phase) for audience, phases in TEMPLATE_PHASES.items() for phase in phases]
IDS = [f"{audience}-{phase}" for audience, phase in CASES]
PLAIN = ("customers", "press", "support", "executives")
UNRESOLVED = tuple(p for p in INCIDENT_PHASES if p != "resolved")
SECTIONS = {
    "page": "page_text",
    "subject": "email_subject",
    "email": "email_body",
    "sms": "sms_text",
}
# Words a plain-language reader should never have to decode (the checks' list is longer).
JARGON = re.compile(
    r"\b(?:5xx|502|dns|k8s|kubernetes|p99|failover|rca|latency|deploy(?:ed|ment)?|"
    r"rollback|rolled back|config(?:uration)?|root cause|upstream|downstream|timeouts?|"
    r"on-call|postmortem)\b",
    re.IGNORECASE,
)
ACKNOWLEDGEMENT = re.compile(
    r"we(?:'re| are) aware|we(?:'re| are) investigating|we know|we can confirm|"
    r"you may have (?:noticed|seen|experienced)",
    re.IGNORECASE,
)
APOLOGY = re.compile(r"sorry|apologi[sz]e|apologies", re.IGNORECASE)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


@pytest.fixture(autouse=True)
def fixed_settings(app):
    """What the texts show of the settings, whatever HERALD_* the environment sets."""
    app.config.update(PAGE_NAME="Herald Status", PUBLIC_URL="https://status.example.com")


def sparse_context(audience: str) -> dict:
    """A first update with little known yet: no workaround, ETA, next update, technical
    detail or components, and an incident not shown on the public page."""
    context = copy.deepcopy(sample_context(audience))
    context["facts"] = dict.fromkeys(context["facts"], "")
    context.update(
        eta="",
        eta_short="",
        next_update="",
        next_update_short="",
        components=[],
        component_statuses=[],
        dependents=[],
        tier1=[],
        team_components=[],
        team_affected=False,
    )
    context["incident"]["public"] = False
    return context


def long_context(audience: str) -> dict:
    """Realistic but wordy facts: a long page name, incident name and fact sheet, several
    components, times on another day, real-length ids in the links."""
    base = "https://status.example.com"
    context = copy.deepcopy(sample_context(audience))
    wordy = (
        "Payments made with cards issued in Germany, France and Spain are declined at "
        "checkout for roughly one in ten attempts since mid-afternoon today."
    )
    names = ["Card payments", "Checkout", "Refunds", "Payouts to merchants"]
    context.update(
        page_name="Northwind Pay Status",
        facts=dict.fromkeys(context["facts"], wordy),
        eta="29 Nov 2026, 16:00 UTC",
        eta_short="29 Nov 16:00 UTC",
        next_update="29 Nov 2026, 15:00 UTC",
        next_update_short="29 Nov 15:00 UTC",
        components=names,
        component_statuses=[
            {"name": n, "status": "major_outage", "status_label": "Major outage"} for n in names
        ],
        dependents=["Invoices", "Subscription billing"],
        tier1=["Card payments", "Checkout", "Payouts to merchants"],
        team={"name": "Payments Platform Engineering"},
        team_components=names,
        answer_operational_url=f"{base}/rollcall/abcdefghijklmnopqrst/operational",
        answer_affected_url=f"{base}/rollcall/abcdefghijklmnopqrst/affected",
        maintenance={
            "name": "Upgrade of the payment ledger storage and search",
            "window": "1 Dec 2026, 22:00 – 2 Dec 2026, 02:00 UTC",
            "url": f"{base}/maintenance/abcdefghijkl",
        },
        lead={"name": "Alexandra Montgomery-Smith"},
    )
    context["incident"].update(
        name="Card payments failing for some customers in the EU",
        url=f"{base}/incidents/abcdefghijkl",
        internal_url=f"{base}/internal/incidents/abcdefghijkl",
    )
    return context


def rendered(audience: str, phase: str, context: dict | None = None) -> templating.Texts:
    context = sample_context(audience) if context is None else context
    texts = templating.render(audience, phase, context)
    assert texts.source == "default" and texts.error == ""
    return texts


def test_there_is_a_default_file_for_every_template_and_no_other():
    root = Path(templating.DEFAULTS_DIR)
    found = {(p.parent.name, p.stem) for p in root.glob("*/*.txt")}
    assert found == set(CASES)


@pytest.mark.parametrize(("audience", "phase"), CASES, ids=IDS)
def test_the_default_renders_with_the_sample_facts(app, audience, phase):
    texts = rendered(audience, phase)
    assert texts.page_text and texts.email_subject and texts.email_body and texts.sms_text
    assert "\n" not in texts.email_subject and len(texts.email_subject) <= 120
    assert not phrases.PLACEHOLDER.search(" ".join(texts.as_dict().values()))


@pytest.mark.parametrize(("audience", "phase"), CASES, ids=IDS)
def test_the_default_reads_well_with_sparse_facts(app, audience, phase):
    texts = rendered(audience, phase, sparse_context(audience))
    assert texts.page_text.strip() and texts.email_subject.strip()
    for name, text in texts.as_dict().items():
        # No label left without its value, no empty brackets, no stray spaces or blank runs.
        assert not re.search(r":\*\* *$|: +$", text, re.MULTILINE), (name, text)
        assert "()" not in text and " ." not in text and " ," not in text, (name, text)
        assert "  " not in text and "\n\n\n" not in text, (name, text)
        assert "None" not in text, (name, text)


@pytest.mark.parametrize(("audience", "phase"), CASES, ids=IDS)
def test_the_sms_fits_two_gsm7_segments(app, audience, phase):
    for context in (sample_context(audience), long_context(audience)):
        sms = rendered(audience, phase, context).sms_text
        assert is_gsm7(sms), sms
        assert segment_count(sms) <= 2, f"{len(sms)} characters: {sms}"


@pytest.mark.parametrize("phase", ["investigating", "resolved"])
def test_customer_first_and_resolved_updates_acknowledge_and_apologise(app, phase):
    texts = rendered("customers", phase)
    for name in ("page_text", "email_body", "sms_text"):
        text = getattr(texts, name)
        assert ACKNOWLEDGEMENT.search(text), (name, text)
        assert APOLOGY.search(text), (name, text)


@pytest.mark.parametrize("audience", ["customers", "press", "support", "engineering", "executives"])
@pytest.mark.parametrize("phase", UNRESOLVED)
def test_unresolved_updates_say_when_the_next_update_comes(app, audience, phase):
    context = sample_context(audience)
    texts = rendered(audience, phase, context)
    assert context["next_update"] in texts.page_text
    assert context["next_update"] in texts.email_body
    if audience != "engineering":  # the engineers' SMS spends its room on the detail
        assert context["next_update_short"] in texts.sms_text


@pytest.mark.parametrize("phase", UNRESOLVED)
def test_customers_and_support_are_told_who_is_affected_and_what_to_do(app, phase):
    facts = sample_context("customers")["facts"]
    for audience in ("customers", "support"):
        texts = rendered(audience, phase)
        assert facts["workaround"] in texts.page_text
        assert facts["workaround"] in texts.email_body
        assert facts["customer_impact"] in texts.email_body
    assert "Talking points" in rendered("support", phase).email_body


@pytest.mark.parametrize("phase", UNRESOLVED)
def test_executives_read_the_business_impact_first(app, phase):
    context = sample_context("executives")
    texts = rendered("executives", phase, context)
    for text in (texts.page_text, texts.email_body):
        assert text.splitlines()[0].startswith("**Business impact")
        for value in (
            context["facts"]["customer_impact"],
            context["tier1"][0],
            context["eta"],
            context["next_update"],
        ):
            assert value in text, (value, text)
    assert context["facts"]["technical_detail"] not in texts.email_body


@pytest.mark.parametrize("phase", UNRESOLVED)
def test_engineers_get_the_technical_detail(app, phase):
    context = sample_context("engineering")
    texts = rendered("engineering", phase, context)
    for text in (texts.page_text, texts.email_body):
        assert context["facts"]["technical_detail"] in text
        assert re.search(r"Card payments: partial outage", text, re.IGNORECASE), text
        assert "Checkout" in text  # affected through a dependency
    assert "partial_outage" in texts.email_body


def test_the_escalation_and_team_notices_say_what_they_are_for(app):
    context = sample_context("executives")
    escalation = rendered("executives", "escalation", context)
    for value in (
        context["incident"]["name"],
        context["facts"]["customer_impact"],
        context["tier1"][0],
        context["lead"]["name"],
        context["next_update"],
    ):
        assert value in escalation.email_body
    context = sample_context("teams")
    roll_call = rendered("teams", "roll_call", context)
    for text in (roll_call.page_text, roll_call.email_body, roll_call.sms_text):
        assert context["answer_operational_url"] in text
        assert context["answer_affected_url"] in text
    assert "or reply 1 for operational, 2 for affected" in roll_call.sms_text
    all_clear = rendered("teams", "all_clear", context)
    assert "operational" in all_clear.page_text and "No action" in all_clear.page_text
    assert context["answer_affected_url"] in all_clear.page_text
    assert "resolved" in rendered("teams", "resolved", context).page_text
    reminder = rendered("staff", "cadence_reminder", sample_context("staff"))
    assert "overdue by 12 min" in reminder.page_text and "Casey" in reminder.email_body


def needed_only(audience: str, phase: str) -> dict:
    """The least a caller may pass: an incident update has only what incident_context()
    builds (teams add their own keys); a maintenance notice only the page, the maintenance
    and its components; the cadence reminder only the incident's name, impact, status
    and links, the lead and the delay."""
    context = sample_context(audience)
    if phase in MAINTENANCE_PHASES:
        keep = ("page_name", "public_url", "audience", "maintenance", "components")
        return {key: context[key] for key in keep}
    extra = {"maintenance", "overdue_by", "lead"}
    if audience != "teams":
        extra |= {
            "team",
            "team_components",
            "team_affected",
            "answer_operational_url",
            "answer_affected_url",
        }
    if audience == "staff":
        extra -= {"overdue_by", "lead"}
        context["incident"] = {
            key: context["incident"][key]
            for key in ("name", "impact", "status", "url", "internal_url")
        }
    return {key: value for key, value in context.items() if key not in extra}


@pytest.mark.parametrize(("audience", "phase"), CASES, ids=IDS)
def test_the_default_needs_no_more_than_its_caller_gives(app, audience, phase):
    texts = rendered(audience, phase, needed_only(audience, phase))
    assert texts.page_text and texts.email_subject


@pytest.mark.parametrize("audience", PLAIN)
def test_plain_audiences_read_no_jargon(app, audience):
    for phase in TEMPLATE_PHASES[audience]:
        for context in (sample_context(audience), sparse_context(audience)):
            for name, text in rendered(audience, phase, context).as_dict().items():
                assert not JARGON.search(text), (phase, name, JARGON.search(text))
        # The words the defaults write themselves, against the checks' maintained list.
        for name, source in templating.default_source(audience, phase).items():
            words = JINJA.sub(" ", source)
            assert not phrases.jargon_pattern().search(words), (phase, name)


@pytest.mark.parametrize(("audience", "phase"), CASES, ids=IDS)
def test_the_defaults_neither_speculate_nor_blame(audience, phase):
    for name, source in templating.default_source(audience, phase).items():
        words = JINJA.sub(" ", source)
        assert not phrases.SPECULATION.search(words), (name, phrases.SPECULATION.search(words))
        assert not phrases.BLAME.search(words), (name, phrases.BLAME.search(words))


@pytest.mark.parametrize(("audience", "phase"), CASES, ids=IDS)
def test_the_defaults_pass_the_draft_checks(app, audience, phase):
    """A draft rendered from a default needs no override: the only finding allowed is
    jargon that the sample facts brought in (the maintenance is a "Database upgrade")."""
    status = phase if phase in INCIDENT_PHASES else "identified"
    context = sample_context(audience)
    context["status"] = status
    if phase == "resolved":
        # A resolved update tells the outage in the past tense: the sample's present-tense
        # facts ("are failing") are what the checks warn about when carried over.
        context["facts"] = {
            **context["facts"],
            "summary": "Some card payments failed.",
            "customer_impact": "About 10% of card payments in the EU failed.",
        }
    now = SAMPLE_NOW  # the moment the sample texts are written at (their times follow it)
    facts = Facts(
        "summary",
        "impact",
        "workaround",
        now + timedelta(hours=2),
        now + timedelta(hours=1),
        "detail",
    )
    findings = checks.check_texts(
        rendered(audience, phase, context).as_dict(),
        audience_key=audience,
        tone="plain" if audience in PLAIN else "technical",
        status=status,
        facts=facts,
        first_update=phase == "investigating",
        sms_max_segments=2,
        page_max_chars=1500,
        now=now,
    )
    unexpected = [
        f
        for f in findings
        if not (f.code == "jargon" and "Database" in f.message)
        # A maintenance notice, an all-clear or a reminder is no incident update: it
        # promises no next one (drafting checks incident updates only).
        and not (f.code == "no_next_update" and phase not in INCIDENT_PHASES)
    ]
    assert unexpected == []


def golden_path(audience: str, phase: str) -> Path:
    return GOLDEN / "comms" / f"{audience}-{phase}.txt"


@pytest.mark.parametrize(("audience", "phase"), CASES, ids=IDS)
def test_the_default_matches_its_golden_file(app, audience, phase):
    texts = rendered(audience, phase)
    parts = {section: getattr(texts, name) for section, name in SECTIONS.items()}
    path = golden_path(audience, phase)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(write(parts), encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path} is missing: run with HERALD_UPDATE_GOLDEN=1 to write it")
    expected = read(path.read_text(encoding="utf-8"))
    assert list(expected) == list(parts), f"{path.name}: sections differ"
    for section, value in parts.items():
        assert value == expected[section], f"the {section} differs from {path.name}"


def test_no_golden_file_is_left_over():
    names = {p.name for p in (GOLDEN / "comms").glob("*.txt")}
    assert names == {golden_path(a, p).name for a, p in CASES}
