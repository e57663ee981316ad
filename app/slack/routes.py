"""The two endpoints Slack calls. Every request is verified first (app.slack.verify);
nothing is read from the form before the raw body was checked."""

from __future__ import annotations

import json

from flask import jsonify, request

from app.slack import actions, bp, commands, submissions
from app.slack.later import after_response
from app.slack.replies import ephemeral_body, tell
from app.slack.verify import check_request


@bp.before_request
def _only_slack():
    return check_request()


@bp.post("/commands")
def command():
    answer = commands.run(request.form)
    if answer is None:
        return "", 200
    return jsonify(ephemeral_body(answer))


@bp.post("/interactions")
def interaction():
    try:
        payload = json.loads(request.form.get("payload") or "")
    except ValueError:
        return jsonify(error="The payload is not JSON."), 400
    if not isinstance(payload, dict):
        return jsonify(error="The payload is not a JSON object."), 400
    kind = payload.get("type")
    if kind == "view_submission":
        answer = submissions.submit(payload)
        return (jsonify(answer), 200) if answer else ("", 200)
    if kind == "block_actions":
        first = (payload.get("actions") or [{}])[0]
        action_id = first.get("action_id", "") if isinstance(first, dict) else ""
        if action_id == actions.REJECT:
            refusal = actions.open_reject(payload)
            if refusal:
                after_response(tell, payload.get("response_url"), refusal)
        elif action_id in actions.HANDLERS:
            after_response(actions.handle, payload)
    return "", 200  # herald_open, view_closed and the rest: acknowledged
