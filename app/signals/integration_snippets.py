"""Where to point a sender: an integration's webhook address and the configuration
snippets (Alertmanager receiver, monitor instructions, a signed curl example) the admin,
the API and the CLI show once an integration is made.
"""

from __future__ import annotations

import json

from flask import current_app

from app.models import Integration


def webhook_url(integration: Integration) -> str:
    base = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/webhooks/{integration.kind}"


def alertmanager_snippet(url: str, token: str) -> str:
    """The receiver to paste into alertmanager.yml (route alerts to ``herald``)."""
    return (
        "receivers:\n"
        "  - name: herald\n"
        "    webhook_configs:\n"
        f"      - url: {url}\n"
        "        send_resolved: true\n"
        "        http_config:\n"
        "          authorization:\n"
        "            type: Bearer\n"
        f"            credentials: {token}\n"
    )


def monitor_instructions(url: str) -> str:
    return (
        f"POST {url} with a JSON body "
        '{"id": "<check>", "component": "<component id or name>", '
        '"status": "<status, or resolved>", "summary": "<text>"} and the header '
        'X-Herald-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body with the '
        "secret>."
    )


def monitor_curl_example(url: str, secret: str, component: str = "API") -> str:
    """A shell script that sends one signed monitor request: what a cron job or CI step
    can copy (the admin shows it with a new monitor's secret)."""
    body = json.dumps(
        {
            "id": "checkout-probe",
            "component": component,
            "status": "major_outage",
            "summary": "The checkout probe fails",
        },
        separators=(",", ":"),
    )
    quoted = body.replace("'", "'\\''")
    return (
        f"SECRET='{secret}'\n"
        f"BODY='{quoted}'\n"
        "T=$(date +%s)\n"
        'SIG=$(printf \'%s.%s\' "$T" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -r '
        "| cut -d' ' -f1)\n"
        f"curl -sS -X POST '{url}' -H 'Content-Type: application/json' \\\n"
        '  -H "X-Herald-Signature: t=$T,v1=$SIG" --data "$BODY"\n'
    )
