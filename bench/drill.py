"""A drill, measured: one scripted incident through the management API against a running
Herald, checked message by message.

    .venv/bin/python bench/drill.py [--db sqlite|postgres] [--sms-rate N] [--timeout S]

It starts everything itself on 127.0.0.1 and stops it by PID: a fresh database (a
temporary SQLite file, or with ``--db postgres`` a schema of its own in the local
PostgreSQL's ``test`` database, dropped afterwards), an SMTP sink (aiosmtpd) and the
Twilio fake (tests/fakes), and Herald under gunicorn as ``make serve`` runs it
(production settings, ``HERALD_EMAIL_BACKEND=smtp``, ``HERALD_SMS_BACKEND=twilio``).

It seeds 8 teams owning components (one tier-1; one team's component depends on it
hard, another's soft; one component is degraded before the incident) and 50 subscribers
per audience (customers, press, support, engineering, executives; email and SMS
alternately; two members per team), creates a communications lead and an approver and
a token for each (``herald create-user``, ``herald create-token``), then through the API:
declare (the tier-1 component in major outage, major impact) → drafts for all five
audiences → approve (the approver's token: nobody approves their own draft) → publish →
a follow-up update (which degrades a component of a team told all-clear) → resolve.

Checked: every subscriber receives exactly its audience's text of each update (matched
to the drafts the API returned) and nothing else; executives the escalation alert; each
team a true roll call (teams whose services the pages show as not operational, naming
them and their status) or the all-clear (the others), the team told all-clear asked
again when its service degrades, and every team the resolution; staff notices only to
staff. Prints the problems found, the details, and last:
``drill: first public update <S> s after declaring, all delivered <S> s, <N> messages, <E> errors``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import drillkit  # noqa: F401  (puts the repository root on sys.path)
from drillkit import check, seed, stack
from drillkit.client import Api, public_json
from pagebench.servers import Processes, free_port

from tests.fakes import FakeTwilio, SmtpSink

INCIDENT = "Card payments failing"
# What each team should hear, in order, and what its roll call must name.
TEAM_PHASES = {
    "Payments": ["roll_call", "resolved"],
    "Checkout": ["roll_call", "resolved"],
    "Treasury": ["roll_call", "resolved"],
    "Data": ["roll_call", "resolved"],
    "Messaging": ["all_clear", "roll_call_again", "resolved"],
    "Discovery": ["all_clear", "resolved"],
    "Mobile": ["all_clear", "resolved"],
    "Identity": ["all_clear", "resolved"],
}
ROLL_CALL_NAMES = {
    "Payments": {"roll_call": [(seed.TIER1, "Major outage")]},
    "Checkout": {"roll_call": [("Checkout", "Major outage")]},
    "Treasury": {"roll_call": [("Payouts", "Degraded performance")]},
    "Data": {"roll_call": [(seed.ALREADY_DEGRADED, "Degraded performance")]},
    "Messaging": {"roll_call_again": [(seed.DEGRADED_LATER, "Degraded performance")]},
}
ESCALATED = {"executives"}


class DrillTimeout(Exception):
    pass


def _alarm(*_):
    raise DrillTimeout("the drill ran out of time")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def updates_script(ids: dict[str, str]) -> list[dict]:
    """The three fact sheets: investigating, identified (a second component degrades),
    resolved."""
    soon = datetime.now(UTC)
    tier1, later = ids[seed.TIER1], ids[seed.DEGRADED_LATER]
    return [
        {
            "status": "investigating",
            "components": {tier1: "major_outage"},
            "facts": {
                "summary": "Card payments are failing for most customers.",
                "customer_impact": "Most card payments are declined. Other payment methods "
                "work normally.",
                "workaround": "Customers can pay by bank transfer.",
                "next_update_at": iso(soon + timedelta(minutes=30)),
                "technical_detail": "Authorisation requests to the card gateway return "
                "errors since the last configuration change.",
            },
        },
        {
            "status": "identified",
            "components": {tier1: "partial_outage", later: "degraded_performance"},
            "facts": {
                "summary": "We found the cause and are restoring card payments. Some "
                "receipt emails are delayed while we do so.",
                "customer_impact": "Some card payments are still declined. Receipt emails "
                "arrive late.",
                "workaround": "Customers can pay by bank transfer.",
                "eta": iso(soon + timedelta(minutes=45)),
                "next_update_at": iso(soon + timedelta(minutes=30)),
                "technical_detail": "Rolling back the gateway configuration; the receipt "
                "queue is paused during the rollback.",
            },
        },
        {
            "status": "resolved",
            "components": {tier1: "operational", later: "operational"},
            "facts": {
                "summary": "Card payments work normally again and receipt emails are sent on time.",
                "customer_impact": "No payments are affected now.",
                "technical_detail": "The gateway configuration is rolled back and the "
                "receipt queue is drained.",
            },
        },
    ]


def publish_update(lead: Api, approver: Api, incident_id: str, sheet: dict, key: str) -> dict:
    """Draft for all five audiences, give reasons for warnings (the lead), approve what
    needs approval (the approver), publish (the lead). Returns the published drafts by
    audience."""
    composed = lead.post(
        f"/api/v1/incidents/{incident_id}/drafts", {**sheet, "audiences": list(seed.AUDIENCES)}
    )
    for draft in composed["drafts"]:
        errors = [f for f in draft["findings"] if f["severity"] == "error"]
        if errors:
            raise RuntimeError(f"the {draft['audience']} draft has errors: {errors}")
        for finding in draft["findings"]:
            if finding["severity"] == "warning" and not finding["overridden"]:
                print(f"    {draft['audience']}: warning overridden: {finding['message']}")
                lead.post(
                    f"/api/v1/drafts/{draft['id']}/override",
                    {"finding": finding["key"], "reason": "Checked during the drill."},
                )
    for draft in composed["drafts"]:
        if draft["needs_approval"]:
            current = approver.get(f"/api/v1/drafts/{draft['id']}")
            approver.post(
                f"/api/v1/drafts/{draft['id']}/approve",
                {"comment": "Fine to go.", "revision": current["revision"]},
            )
    published = lead.post(
        f"/api/v1/incidents/{incident_id}/publish",
        {"fact_sheet_id": composed["fact_sheet_id"]},
        headers={"Idempotency-Key": key},
        expect=(201,),
    )
    return {d["audience"]: lead.get(f"/api/v1/drafts/{d['id']}") for d in published["drafts"]}


def wait_public(port: int, incident_id: str, page_text: str, deadline: float) -> None:
    """Until the public JSON shows the customers text of the incident's update."""
    wanted = check.words(page_text)[:80]
    while time.monotonic() < deadline:
        data = public_json(port, "/api/v2/incidents/unresolved.json")
        for incident in data.get("incidents", []):
            if incident["id"] == incident_id and any(
                wanted in check.words(u.get("body", "")) for u in incident["incident_updates"]
            ):
                return
        time.sleep(0.02)
    raise DrillTimeout("the public JSON never showed the first update")


def database_view(app) -> dict:
    """What Herald recorded: broadcasts (words, audience, team) and deliveries by state."""
    from sqlalchemy import func, select

    from app.models import Team
    from core.db import db
    from subscribers.models import Audience, Broadcast, Delivery

    with app.app_context():
        rows = db.session.execute(
            select(Broadcast, Audience.key, Team.name)
            .join(Audience, Audience.id == Broadcast.audience_id)
            .outerjoin(Team, Team.id == Broadcast.team_id)
            .order_by(Broadcast.id)
        ).all()
        broadcasts = [
            {
                "id": b.id,
                "kind": b.kind,
                "audience": key,
                "team": team,
                "subject": b.subject,
                "text": b.text_body,
                "sms": b.sms_body,
                "state": b.state,
            }
            for b, key, team in rows
        ]
        states = dict(
            db.session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
        )
        db.session.remove()
    return {"broadcasts": broadcasts, "states": states}


def wait_delivered(app, arrivals: stack.Arrivals, deadline: float) -> dict:
    """Until every broadcast is expanded, no delivery is queued or sending, and the sink
    and the fake have received as many messages as Herald recorded as sent."""
    while time.monotonic() < deadline:
        view = database_view(app)
        states = view["states"]
        busy = states.get("queued", 0) + states.get("sending", 0)
        pending = [b for b in view["broadcasts"] if b["state"] in ("pending", "expanding")]
        if not busy and not pending and arrivals.received() >= states.get("sent", 0):
            time.sleep(0.5)  # anything still arriving would show in the next view
            again = database_view(app)
            if again["states"] == states and arrivals.received() == arrivals.count:
                return again
        time.sleep(0.2)
    raise DrillTimeout("deliveries were still outstanding at the deadline")


def received_messages(smtp: SmtpSink, twilio: FakeTwilio) -> list[check.Received]:
    found = []
    for message in smtp.messages:
        body = message.message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        for address in message.recipients:
            found.append(check.Received("email", address, str(message.message["Subject"]), text))
    for sms in list(twilio.messages.values()):
        found.append(check.Received("sms", sms["to"], "", sms["body"]))
    return found


def drill(kind: str, sms_rate: float, timeout: float) -> tuple[str, int]:
    from app import create_app

    procs = Processes()
    began = time.monotonic()
    deadline = began + timeout
    with (
        tempfile.TemporaryDirectory(prefix="herald-drill-") as tmp,
        SmtpSink() as smtp,
        FakeTwilio() as twilio,
    ):
        workdir = Path(tmp)
        url, drop = stack.prepare_database(kind, workdir)
        try:
            port = free_port()
            env = stack.herald_env(url, workdir, smtp, twilio, port, sms_rate)
            os.environ.update(env)  # the drill's own reads of the database
            stack.run_herald(["db", "upgrade"], env)
            app = create_app()
            ids = seed.seed(app)
            for email, role, name in (
                (seed.LEAD, "comms_lead", "Lee Lead"),
                (seed.APPROVER, "approver", "Ada Approver"),
            ):
                stack.run_herald(
                    [
                        "create-user",
                        email,
                        "--role",
                        role,
                        "--password",
                        seed.PASSWORD,
                        "--name",
                        name,
                    ],
                    env,
                )
            tokens = {
                email: stack.run_herald(["create-token", email, "--name", "drill"], env)
                .strip()
                .splitlines()[-1]
                for email in (seed.LEAD, seed.APPROVER)
            }
            log = stack.start_server(procs, env, workdir)
            print(f"  seeded and serving on 127.0.0.1:{port} in {time.monotonic() - began:.1f} s")
            lead = Api(port, tokens[seed.LEAD], "lead")
            approver = Api(port, tokens[seed.APPROVER], "approver")
            script = updates_script(ids)
            with stack.Arrivals(smtp, twilio) as arrivals:
                declared_at = time.time()
                incident = lead.post(
                    "/api/v1/incidents",
                    {
                        "name": INCIDENT,
                        "impact": "major",
                        "components": {ids[seed.TIER1]: "major_outage"},
                        "body": "Card authorisations fail at the gateway; investigating.",
                    },
                    expect=(201,),
                )
                incident_id = incident["id"]
                sheets = [publish_update(lead, approver, incident_id, script[0], "drill-1")]
                wait_public(port, incident_id, sheets[0]["customers"]["page_text"], deadline)
                first_public = time.time() - declared_at
                for number, sheet in enumerate(script[1:], start=2):
                    sheets.append(
                        publish_update(lead, approver, incident_id, sheet, f"drill-{number}")
                    )
                view = wait_delivered(app, arrivals, deadline)
                all_delivered = (arrivals.last_at or time.time()) - declared_at
            log_json = lead.get(f"/api/v1/incidents/{incident_id}/communications")
            received = received_messages(smtp, twilio)
            known = check.known_messages(sheets, view["broadcasts"])
            findings = check.compare(
                received,
                seed.people(),
                known,
                updates=len(sheets),
                team_phases=TEAM_PHASES,
                escalated=ESCALATED,
            )
            problems = list(findings.problems)
            problems += check.team_truth(received, seed.people(), ROLL_CALL_NAMES)
            for state in ("failed", "bounced", "queued", "sending"):
                if view["states"].get(state):
                    problems.append(f"{view['states'][state]} deliveries {state}")
            problems += [f"server: {line}" for line in stack.server_errors(log)]
            report(kind, received, findings, view, log_json, lead.calls + approver.calls)
            for number, drafts in enumerate(sheets, start=1):
                # Two audiences given the same words could not be told apart by the check.
                emails = {(d["email_subject"], d["email_body"]) for d in drafts.values()}
                texts = {d["sms_text"] for d in drafts.values()}
                print(
                    f"  update {number} ({drafts['customers']['status']}): "
                    f"{len(emails)} different emails, {len(texts)} different texts "
                    f"for {len(drafts)} audiences"
                )
            for problem in problems[:40]:
                print(f"  PROBLEM {problem}")
            if len(problems) > 40:
                print(f"  … and {len(problems) - 40} more")
            line = (
                f"drill: first public update {first_public:.2f} s after declaring, "
                f"all delivered {all_delivered:.2f} s, {len(received)} messages, "
                f"{len(problems)} errors"
            )
            return line, len(problems)
        finally:
            procs.stop_all()
            drop()


def report(kind, received, findings, view, log_json, calls) -> None:
    channels = Counter(m.channel for m in received)
    print(
        f"\n[{kind}] {calls} API calls; received {channels['email']} emails, "
        f"{channels['sms']} texts"
    )
    print(f"  deliveries by state: {view['states']}")
    kinds = Counter((b["kind"], b["audience"]) for b in view["broadcasts"])
    print(
        f"  broadcasts: {len(view['broadcasts'])} "
        + ", ".join(f"{k}/{a}×{n}" for (k, a), n in sorted(kinds.items()))
    )
    for label, count in sorted(findings.by_label.items(), key=str):
        print(f"  {' '.join(map(str, label)):<28} {count:>5} received as expected")
    print(f"  staff notices (approvers, authors): {findings.staff}")
    first = log_json.get("time_to_first_public_update")
    if first is not None:
        print(f"  communication log: first public update {first:.2f} s after declaring")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--sms-rate",
        type=float,
        default=0,
        help="HERALD_SMS_RATE for the server (segments a second; 0: no limit, the default)",
    )
    parser.add_argument("--timeout", type=float, default=180, help="seconds before giving up")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(args.timeout) + 20)  # the last resort; the waits stop at --timeout
    try:
        line, errors = drill(args.db, args.sms_rate, args.timeout)
    finally:
        signal.alarm(0)
    print(line)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
