"""Who is told what. Domain services call ``notify(event)`` with what happened; this module
alone decides which audiences and teams hear of it, in which words, and queues their
broadcasts (in the caller's transaction, sent after it commits).

- An incident declared (and still news): its first public text to the customers, the
  escalation alerts, the roll call (the all-clear only to teams whose services the
  pages show as all operational).
- A component's status changed (and is news): each team told all-clear that is no
  longer all operational is told what changed and asked again.
- An update published: each audience's own text (the workflow's drafts), or, without
  them, the customers the page's text; on resolution every team is told.
- Maintenance: each audience's notice of the phase; the customers' only once its public
  text is approved; the customers' reminder an hour before (``maintenance_notices``,
  registered here by importing it).
- An overdue update: a reminder to the incident's communications lead.
- Drafts waiting for approval: every approver who may give it (``staff``); a review's
  outcome: the draft's author.
- A suggested incident (a signal proposes one): the internal audiences escalation names,
  at least the engineers; never customers.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import singledispatch

from sqlalchemy import select

from app.comms import escalation, rollcall
from app.comms.audience_keys import TEAMS
from app.comms.team_status import StatusNow
from app.models import Communication, Component, Incident, User
from app.notifier import incident_channels, messages, staff, suggestion_messages, team_updates
from app.notifier.events import (
    ComponentStatusChanged,
    DraftReviewed,
    DraftsAwaitApproval,
    IncidentDeclared,
    IncidentSuggested,
    PostmortemReviewed,
    TeamReportedAffected,
    TextAwaitsApproval,
    UpdateOverdue,
    UpdatePublished,
)
from app.status.impact import implied_impact
from app.timeutil import human_duration
from core.db import db
from core.time import utcnow
from core.vocab import IMPACT_SEVERITY
from subscribers.models import Broadcast
from subscribers.outbox import Message, create_broadcast

log = logging.getLogger(__name__)

# Something dated further back than this records history: it is not news to send.
NEWS_WINDOW = timedelta(hours=1)


def is_news(moment: datetime) -> bool:
    """Whether something that happened at ``moment`` is still worth telling people."""
    return moment >= utcnow() - NEWS_WINDOW


@singledispatch
def notify(event) -> list[Broadcast]:
    """Queue the broadcasts ``event`` calls for; returns them (none when nobody is told)."""
    raise TypeError(f"the notifier does not know {type(event).__name__}")


def _log(incident: Incident, kind: str, audience_key: str, broadcast: Broadcast, **who) -> None:
    """The incident's communication log: what went to whom, and who wrote and approved it."""
    draft = who.get("draft")
    people = {k: who.get(k) for k in ("drafted_by", "approved_by", "published_by")}
    db.session.add(
        Communication(
            incident_id=incident.id,
            kind=kind,
            audience_key=audience_key,
            team_id=broadcast.team_id,
            broadcast_id=broadcast.id,
            draft_id=draft.id if draft is not None else None,
            summary=who.get("summary") or broadcast.subject,
            **{f"{k}_id": (u.id if u else None) for k, u in people.items()},
        )
    )


def _send(
    incident: Incident, kind: str, audience_key: str, message: Message, *, source: str, **extra
) -> Broadcast:
    """A broadcast about an incident, recorded in its communication log."""
    targets = {
        k: extra.pop(k)
        for k in ("component_ids", "team_id", "subscriber_id", "without_team_members")
        if k in extra
    }
    broadcast = create_broadcast(audience_key, message, source=source, kind=kind, **targets)
    _log(incident, kind, audience_key, broadcast, **extra)
    return broadcast


def _page_text_notice(incident: Incident, update) -> list[Broadcast]:
    """The customers' notice of an update's public text (a quick update)."""
    if not update.body or not update.deliver_notifications or not incident.is_public:
        return []
    if not is_news(update.display_at):
        log.info("not notifying %s: dated in the past", update)
        return []
    return [
        create_broadcast(
            "customers",
            messages.page_text_notice(update),
            source=f"incident_update:{update.id}:customers",
            component_ids=messages.component_ids(incident),
            kind="incident",
        )
    ]


notify.register(DraftsAwaitApproval, staff.ask_approvers)
notify.register(DraftReviewed, staff.tell_author)
notify.register(TextAwaitsApproval, staff.ask_text_approvers)
notify.register(PostmortemReviewed, staff.tell_postmortem_author)
notify.register(TeamReportedAffected, staff.tell_incident_team)


@notify.register
def _declared(event: IncidentDeclared) -> list[Broadcast]:
    incident = event.incident
    sent = _page_text_notice(incident, event.first) if event.first is not None else []
    if event.notify and is_news(incident.started_at):
        sent += escalate(incident) + roll_call(incident)
    return sent


def escalate(incident: Incident) -> list[Broadcast]:
    """Alert the audiences of every matching escalation rule, once per audience per
    incident: an audience alerted before (at declaration, by an earlier update) is not
    alerted again."""
    sent = []
    for key in escalation.audiences_for(incident):
        source = f"incident:{incident.id}:escalation:{key}"
        if db.session.scalar(select(Broadcast.id).where(Broadcast.source == source)):
            continue
        message = messages.escalation_message(incident, key)
        sent.append(
            _send(
                incident,
                "escalation",
                key,
                message,
                source=source,
                summary=f"Escalated to {key}: {message.subject}",
            )
        )
    return sent


def roll_call(incident: Incident) -> list[Broadcast]:
    """Ask each team that owns components about its services, naming those the pages do
    not show as operational and why; a team all of whose services they show as
    operational gets the all-clear wording (and can confirm or report otherwise)."""
    sent = []
    now = StatusNow()
    for call in rollcall.open_roll_calls(incident, now):
        team, affected = call.team, call.expected_affected
        phase = "roll_call" if affected else "all_clear"
        not_operational = now.not_operational(team, incident)
        sent.append(
            _send(
                incident,
                phase,
                "engineering",
                messages.team_message(incident, team, phase, call, not_operational),
                source=f"incident:{incident.id}:{phase}:team:{team.id}",
                team_id=team.id,
                summary=f"{'Roll call' if affected else 'All-clear'} to {team.name}",
            )
        )
    return sent


@notify.register
def _suggested(event: IncidentSuggested) -> list[Broadcast]:
    """A signal proposes an incident: the internal audiences escalation would alert for
    an incident of that impact on those components, and always the engineers, hear of it
    at once (email and SMS per their subscribers). Never a public audience: nothing
    reaches customers without the workflow."""
    suggestion = event.suggestion
    statuses = {int(cid): s for cid, s in (suggestion.component_statuses or {}).items()}
    components = db.session.scalars(select(Component).where(Component.id.in_(statuses))).all()
    implied, _ = implied_impact({c: statuses[c.id] for c in components})
    impact = max(suggestion.impact, implied, key=IMPACT_SEVERITY.__getitem__)
    sent = []
    for key in escalation.audiences_for_suggestion(impact, set(statuses)):
        sent.append(
            create_broadcast(
                key,
                suggestion_messages.suggestion_message(suggestion, impact, key),
                source=f"suggestion:{suggestion.id}:{key}",
                kind="suggestion",
            )
        )
    return sent


@notify.register
def _status_changed(event: ComponentStatusChanged) -> list[Broadcast]:
    """A component stopped being operational: every team told all-clear whose services
    are no longer all operational is told what changed and asked again."""
    if event.status == "operational" or not is_news(event.at):
        return []
    sent = []
    for call, changed in rollcall.ask_again(StatusNow()):
        incident, team = call.incident, call.team
        sent.append(
            _send(
                incident,
                "roll_call",
                "engineering",
                messages.team_message(incident, team, "roll_call", call, changed, asked_again=True),
                source=f"incident:{incident.id}:roll_call_again:team:{team.id}",
                team_id=team.id,
                summary=f"Roll call to {team.name}, asked again: "
                + "; ".join(state.text for state in changed),
            )
        )
    return sent


@notify.register
def _published(event: UpdatePublished) -> list[Broadcast]:
    incident, update = event.incident, event.update
    if event.texts:
        component_ids = messages.component_ids(incident)
        # People on a team's list get the teams' text (with their own services), not a
        # second copy of another audience's.
        to_teams = any(text.audience_key == TEAMS for text in event.texts) or _resolving(event)
        sent = []
        for text in event.texts:
            if text.audience_key == TEAMS:
                sent += tell_teams_update(incident, update, text, event.published_by)
                continue
            broadcast = _send(
                incident,
                "update",
                text.audience_key,
                messages.published_message(incident, text),
                source=f"draft:{text.draft.id}"
                if text.draft
                else f"update:{update.id}:{text.audience_key}",
                component_ids=component_ids,
                without_team_members=to_teams,
                draft=text.draft,
                drafted_by=text.draft.author if text.draft else None,
                approved_by=text.draft.approved_by if text.draft else None,
                published_by=event.published_by,
                summary=f"{update.status}: {text.subject}",
            )
            if text.draft is not None:
                text.draft.broadcast_id = broadcast.id
            sent.append(broadcast)
    else:
        sent = _page_text_notice(incident, update)
    if _resolving(event):
        sent += tell_teams_resolved(incident)
    elif (
        update.status != "resolved" and update.deliver_notifications and is_news(update.display_at)
    ):
        # The update may have raised the impact (a component now down): the rules that
        # match now and did not at declaration alert their audiences, once each.
        sent += escalate(incident)
    # The incident's own Slack channel, when it has one, gets every timeline entry (not
    # returned: a copy for the responders, not a notice to an audience).
    incident_channels.mirror(incident, update)
    return sent


def _resolving(event: UpdatePublished) -> bool:
    """Whether the update resolves the incident and every team is told so (each team's
    own notice: its people get no other audience's copy of it)."""
    update = event.update
    return (
        update.status == "resolved"
        and event.was != "resolved"
        and update.deliver_notifications
        and is_news(update.display_at)
    )


def tell_teams_update(incident: Incident, update, text, published_by) -> list[Broadcast]:
    """The lead's update for the teams: each team that owns components gets it with its
    own services' state as the pages show it now (``team_updates``)."""
    sent = []
    now = StatusNow()
    draft = text.draft
    for team in rollcall.teams_with_components():
        call = rollcall.roll_call_of(incident, team)
        message, section = team_updates.team_message(
            incident, team, text.subject, text.email_body, text.sms, now, call
        )
        origin = f"draft:{draft.id}" if draft else f"update:{update.id}:{TEAMS}"
        sent.append(
            _send(
                incident,
                "update",
                TEAMS,
                message,
                source=f"{origin}:team:{team.id}",
                team_id=team.id,
                draft=draft,
                drafted_by=draft.author if draft else None,
                approved_by=draft.approved_by if draft else None,
                published_by=published_by,
                summary=f"{update.status}: to {team.name} ({section.words.removeprefix('you ')})",
            )
        )
    return sent


def tell_teams_resolved(incident: Incident) -> list[Broadcast]:
    """Tell every team that owns components that the incident is over, and a team whose
    components are still not operational (another incident, maintenance) which they are."""
    sent = []
    now = StatusNow()
    for team in rollcall.teams_with_components():
        call = rollcall.roll_call_of(incident, team)
        sent.append(
            _send(
                incident,
                "all_clear",
                "engineering",
                messages.team_message(
                    incident, team, "resolved", call, now.not_operational(team, incident)
                ),
                source=f"incident:{incident.id}:resolved:team:{team.id}",
                team_id=team.id,
                summary=f"Resolved notice to {team.name}",
            )
        )
    return sent


@notify.register
def _overdue(event: UpdateOverdue) -> list[Broadcast]:
    incident = event.incident
    due = incident.next_update_due_at
    late = human_duration((event.now - due).total_seconds())
    sent = []
    for lead in leads_of(incident):
        sent.append(_remind(incident, lead, late, due))
    return sent


def leads_of(incident: Incident) -> list[User]:
    """Who to remind: the incident's communications lead, else every comms lead."""
    if incident.comms_lead_id:
        lead = db.session.get(User, incident.comms_lead_id)
        if lead is not None and lead.active:
            return [lead]
    return list(
        db.session.scalars(select(User).where(User.role == "comms_lead", User.active.is_(True)))
    )


def _remind(incident: Incident, lead: User, late: str, due: datetime) -> Broadcast:
    subscriber = staff.staff_subscriber(lead)
    message = messages.reminder_message(incident, lead, late)
    # Microseconds: two due times within one second are two missed updates.
    source = f"incident:{incident.id}:reminder:{int(due.timestamp() * 1_000_000)}:{lead.id}"
    if staff.in_slack(lead):
        # The same reminder as a Slack DM (one entry in the log: the email's).
        create_broadcast(
            "staff",
            message,
            source=f"{source}:slack",
            kind="cadence_reminder",
            channels=["slack"],
            subscriber_id=staff.staff_subscriber(lead, "slack").id,
        )
    return _send(
        incident,
        "cadence_reminder",
        "staff",
        message,
        source=source,
        subscriber_id=subscriber.id,
        summary=f"Reminded {lead.email}: update overdue by {late}",
    )


# The maintenance handlers register on ``notify`` at import: whoever imports this module
# gets them too.
from app.notifier import maintenance_notices, signal_notices  # noqa: E402,F401
