"""``herald create-integration`` and ``herald revoke-integration``: monitoring senders
made from the command line, their credential printed once."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.db import db
from core.errors import ServiceError


@click.command("create-integration")
@click.argument("kind", type=click.Choice(["alertmanager", "monitor"]))
@click.option("--name", required=True, help="A name for the sender, e.g. Prometheus.")
@with_appcontext
def create_integration_command(kind: str, name: str) -> None:
    """Make an Alertmanager/Grafana (bearer token) or monitor (signing secret)
    integration; prints its URL and credential once."""
    from app.signals.integration_snippets import (
        alertmanager_snippet,
        monitor_instructions,
        webhook_url,
    )
    from app.signals.integrations import create_integration

    try:
        integration, plain = create_integration(None, kind, name)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    url = webhook_url(integration)
    click.echo(f"Created {kind} integration {integration.name}.")
    click.echo(f"URL:    {url}")
    click.echo(f"{'Token:' if kind == 'alertmanager' else 'Secret:'} {plain}")
    if kind == "alertmanager":
        click.echo("\nAlertmanager receiver (alertmanager.yml; Grafana: a webhook contact point")
        click.echo("with this URL and Authorization header credentials):\n")
        click.echo(alertmanager_snippet(url, plain))
    else:
        click.echo("\n" + monitor_instructions(url))
    click.echo(
        "Store it now: Herald cannot show it again "
        "(revoke with `herald revoke-integration NAME` and make another).",
        err=True,
    )


@click.command("revoke-integration")
@click.argument("name")
@with_appcontext
def revoke_integration_command(name: str) -> None:
    """Revoke the integration NAME: its credential is refused and its alerts' claims are
    withdrawn."""
    from app.signals.integrations import find_integration, revoke_integration

    try:
        integration = find_integration(name)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    if not revoke_integration(None, integration):
        click.echo(f"Integration {integration.name} was already revoked.")
        return
    db.session.commit()
    click.echo(f"Revoked integration {integration.name}.")


COMMANDS = (create_integration_command, revoke_integration_command)
