"""The notifier's message builders: the page's words in the notice template (a quick
update, a maintenance window), an audience's own texts in the email layout, and the
teams', executives' and staff's notices from their templates."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, render_template
from flask_babel import gettext

from app.comms import templating
from app.comms.audience_keys import is_external
from app.comms.context import Facts, incident_context, maintenance_context, sample_context
from app.comms.phases import known
from app.comms.rollcall import answer_url
from app.comms.sheet_texts import render_texts_in
from app.comms.team_status import ComponentState
from app.i18n.words import INCIDENT_STATUS_WORDS
from app.markdown import plain_text, render_markdown
from app.models import (
    Incident,
    IncidentUpdate,
    Maintenance,
    RollCall,
    Team,
    User,
)
from app.notifier import buttons
from app.notifier.events import AudienceText
from app.notifier.languages import in_every_language
from app.status.effective import dependents_of
from app.status.impact import effective_impact
from app.status.statuspage import component_json, incident_json
from app.status.summary import visible_components
from app.timeutil import page_zone
from core.vocab import DEFAULT_LANGUAGE
from subscribers.outbox import Message

SMS_LIMIT = 306  # two GSM-7 segments
# One character outside GSM-7 (an en dash in a time range, a curly quote, an ellipsis)
# makes the whole text message UCS-2, 70 characters a segment: use look-alikes.
SMS_LOOKALIKES = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "..."}
)


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def component_ids(event: Incident | Maintenance) -> list[int]:
    """The components a notice is about: the affected ones and those that depend on them."""
    ids = {link.component_id for link in event.affected}
    return sorted(ids | dependents_of(ids))


def _component_dicts(visibility: str) -> dict[int, dict]:
    zone, page_id = page_zone(), current_app.config["PAGE_ID"]
    return {
        c.id: component_json(c, page_id, zone, c.group.public_id if c.group else None)
        for c in visible_components(visibility)
    }


def _notice(template: str, context: dict, link: str) -> Message:
    config = current_app.config
    context.update(
        page_name=config["PAGE_NAME"],
        link=link,
        unsubscribe_url="[%unsubscribe_url%]",
        manage_url="[%manage_url%]",
    )
    base = f"notifications/{template}"
    prefix = f"{config['PAGE_NAME']}: "
    sms_body = render_template(f"{base}.sms.txt", **context).strip().translate(SMS_LOOKALIKES)
    tail = f" {link} " + gettext("Reply STOP to opt out.")
    sms = prefix + shorten(sms_body, SMS_LIMIT - len(prefix) - len(tail)) + tail
    return Message(
        subject=render_template(f"{base}.subject.txt", **context).strip(),
        text=render_template(f"{base}.txt", **context),
        html=render_template(f"{base}.html", **context),
        sms=sms,
        webhook_payload=context["webhook_payload"],
    )


def page_text_notice(update: IncidentUpdate) -> Message:
    """The customers' notice of an update in the words the public page shows."""
    incident = update.incident
    config = current_app.config
    zone, page_id = page_zone(), config["PAGE_ID"]
    dicts = {
        link.component_id: component_json(link.component, page_id, zone, None)
        for link in incident.affected
        if link.component.is_public
    }
    data = incident_json(incident, page_id, zone, config["PUBLIC_URL"], dicts)
    link = f"{config['PUBLIC_URL']}/incidents/{incident.public_id}"

    def build(language: str) -> Message:
        # The update's text is the staff's; the words around it are in the language.
        context = {
            "incident": incident,
            "update": update,
            "status_label": str(INCIDENT_STATUS_WORDS[update.status]),
            "body_text": plain_text(update.body),
            "body_html": render_markdown(update.body),
            "components": [
                item.component.name for item in incident.affected if item.component.is_public
            ],
            "webhook_payload": {"page": {"id": page_id}, "incident": data},
        }
        return _notice("incident_update", context, link)

    message = in_every_language(build)
    return replace(
        message, chat_actions=[buttons.open_button(link, f"incident:{incident.public_id}")]
    )


def texts_message(
    event: Incident | Maintenance,
    subject: str,
    email_body: str,
    sms: str,
    audience_key: str,
    staff_list: str | None = None,
) -> Message:
    """An email (plain and HTML, with the unsubscribe footer), the SMS as written, and a
    webhook payload in Statuspage's shape."""
    config = current_app.config
    context = {
        "page_name": config["PAGE_NAME"],
        "body": email_body,
        "body_html": render_markdown(email_body),
        "unsubscribe_url": "[%unsubscribe_url%]",
        "manage_url": "[%manage_url%]",
        "title": subject,
        # The company's own people did not subscribe: staff put them on a list.
        "staff_list": "" if is_external(audience_key) else (staff_list or audience_key),
    }
    visibility = "public" if audience_key in ("customers", "press") else "internal"
    data = incident_json(
        event,
        config["PAGE_ID"],
        page_zone(),
        config["PUBLIC_URL"],
        _component_dicts(visibility),
        visibility == "internal",
    )
    return Message(
        subject=subject,
        text=render_template("notifications/comms_email.txt", **context),
        html=render_template("notifications/comms_email.html", **context),
        sms=sms,
        webhook_payload={"page": {"id": config["PAGE_ID"]}, "incident": data},
        chat_actions=_open_actions(event, visibility),
    )


def _open_actions(event: Incident | Maintenance, visibility: str) -> list[dict]:
    """An Open button in chat: the internal incident page for staff's audiences, the
    public one for the public's (a maintenance window has only its public page)."""
    if isinstance(event, Incident) and visibility == "internal":
        return buttons.incident_open(event)
    kind = "incidents" if isinstance(event, Incident) else "maintenance"
    link = f"{current_app.config['PUBLIC_URL']}/{kind}/{event.public_id}"
    return [buttons.open_button(link, f"{kind}:{event.public_id}")]


def maintenance_message(
    maintenance: Maintenance, audience_key: str, phase: str, note: str, reminder: bool
) -> Message:
    """An audience's notice of a maintenance phase from its template, in each language
    it has a template in; the staff's message is added to the email."""

    def build(language: str) -> Message | None:
        context = maintenance_context(maintenance, audience_key)
        texts = templating.render_in(audience_key, phase, language, context)
        if texts is None:
            return None
        reminding = gettext("Reminder, starting in about an hour: ") if reminder else ""
        body = texts.email_body
        if note:
            body += "\n\n**" + gettext("A note from the team:") + f"** {note}"
        return texts_message(
            maintenance, reminding + texts.email_subject, body, texts.sms_text, audience_key
        )

    return in_every_language(build)


def published_message(incident: Incident, text: AudienceText) -> Message:
    """An audience's published update: the English text as approved, and in each other
    language the audience has a template in, that template with the same fact sheet. A
    text staff edited by hand goes out as approved to everyone: a template cannot carry
    the edit, and nobody approved a translation without it."""
    sheet = text.draft.fact_sheet if text.draft is not None else None
    if text.draft is not None and text.draft.edited_by_id is not None:
        sheet = None

    def build(language: str) -> Message | None:
        if language == DEFAULT_LANGUAGE:
            return texts_message(
                incident, text.subject, text.email_body, text.sms, text.audience_key
            )
        texts = render_texts_in(sheet, text.audience_key, language) if sheet else None
        if texts is None:
            return None
        return texts_message(
            incident, texts.email_subject, texts.email_body, texts.sms_text, text.audience_key
        )

    return in_every_language(build)


def team_message(
    incident: Incident,
    team: Team,
    phase: str,
    roll_call: RollCall | None,
    not_operational: list[ComponentState],
    *,
    asked_again: bool = False,
) -> Message:
    """A team's roll call, all-clear or resolved notice. ``not_operational``: the team's
    components the pages do not show as operational, with their causes (the roll call
    names them); ``asked_again``: the team was told all-clear, and that changed."""
    components = {link.component: link.status for link in incident.affected}
    context = incident_context(incident, incident.status, Facts(), components, "teams")
    context["incident"]["impact"] = effective_impact(incident)
    # The team's services this incident took down (or those depending on them) that the
    # pages show operational now: a resolved notice tells the team they are back. One
    # still held by another incident is in ``not_operational``, never here.
    touched = {c.id for c in components} | dependents_of({c.id for c in components})
    still = {state.name for state in not_operational}
    recovered = [
        c.name
        for c in sorted(team.components, key=lambda c: (c.position, c.name.lower()))
        if c.id in touched and c.name not in still
    ]
    context.update(
        team={"name": team.name},
        team_recovered=recovered,
        team_components=[c.name for c in team.components],
        team_affected=bool(not_operational) or bool(roll_call and roll_call.expected_affected),
        team_not_operational=[state.as_context() for state in not_operational],
        # Every service of the team that is down is held by something else (another
        # incident, maintenance): it cannot truly answer "operational", only that this
        # incident does not affect it, as its answer page says.
        team_held=bool(not_operational) and not any(s.by_this_incident for s in not_operational),
        asked_again=asked_again,
        # Thanked for its help only when it gave some (it answered the roll call).
        team_answered=bool(roll_call and roll_call.answered_at),
        answer_operational_url=answer_url(roll_call, "operational") if roll_call else "",
        answer_affected_url=answer_url(roll_call, "affected") if roll_call else "",
    )
    texts = templating.render("teams", phase, context)
    # The email layout (HTML, unsubscribe footer) and the webhook payload, as for a
    # published update: a team's address may be a webhook.
    message = texts_message(
        incident,
        texts.email_subject,
        texts.email_body,
        texts.sms_text,
        "engineering",
        staff_list=f"{team.name} team",
    )
    # In chat the team answers with a button (a resolved notice asks nothing).
    actions = buttons.roll_call(
        roll_call, incident, answerable=phase != "resolved", held=context["team_held"]
    )
    return replace(message, chat_actions=actions)


def escalation_message(incident: Incident, audience_key: str) -> Message:
    """A short factual alert for an internal audience (executives' wording by default)."""
    template_audience = audience_key if known(audience_key, "escalation") else "executives"
    components = {link.component: link.status for link in incident.affected}
    context = incident_context(incident, incident.status, Facts(), components, audience_key)
    # Never "a minor incident" while it takes a component down: the rules' impact.
    context["incident"]["impact"] = effective_impact(incident)
    texts = templating.render(template_audience, "escalation", context)
    return texts_message(
        incident, texts.email_subject, texts.email_body, texts.sms_text, audience_key
    )


def reminder_message(incident: Incident, lead: User, late: str) -> Message:
    """The lead's reminder that an update is overdue."""
    config = current_app.config
    context = {
        **sample_context("staff"),
        "incident": {
            "name": incident.name,
            "impact": incident.impact,
            "status": incident.status,
            "url": f"{config['PUBLIC_URL']}/admin/incidents/{incident.id}",
            "internal_url": f"{config['PUBLIC_URL']}/internal/incidents/{incident.public_id}",
        },
        "overdue_by": late,
        "lead": {"name": lead.display_name},
    }
    texts = templating.render("staff", "cadence_reminder", context)
    return Message(
        texts.email_subject,
        texts.email_body,
        sms=texts.sms_text,
        chat_actions=buttons.incident_open(incident),
    )
