"""``herald add-vendor-source``: follow a vendor's public status from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.models.signals import DEFAULT_POLL_SECONDS, VENDOR_KINDS
from core.db import db
from core.errors import ServiceError


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    """``"Vendor component=Herald component"`` pairs (the last ``=`` splits, so a vendor
    name may hold one)."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        vendor_name, sep, herald = pair.rpartition("=")
        if not sep or not vendor_name.strip() or not herald.strip():
            raise click.BadParameter(
                f'{pair!r}: write it as "Vendor component=Herald component".', param_hint="--map"
            )
        mapping[vendor_name.strip()] = herald.strip()
    return mapping


@click.command("add-vendor-source")
@click.argument("name")
@click.argument("url")
@click.option("--kind", type=click.Choice(VENDOR_KINDS), default="statuspage", show_default=True)
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar='"VENDOR COMPONENT=HERALD COMPONENT"',
    help="A vendor component and the Herald component (name or id) it stands for; a feed "
    'maps "*" (the whole vendor). Repeat for more.',
)
@click.option("--poll-seconds", type=int, default=DEFAULT_POLL_SECONDS, show_default=True)
@with_appcontext
def add_vendor_source_command(
    name: str, url: str, kind: str, pairs: tuple[str, ...], poll_seconds: int
) -> None:
    """Follow the vendor status page or feed at URL (for a Statuspage page, its
    /api/v2/summary.json); mapped Herald components follow the vendor's statuses."""
    from app.signals.vendors import create_source

    try:
        source = create_source(
            None,
            name=name,
            url=url,
            kind=kind,
            components=_mapping(pairs),
            poll_seconds=poll_seconds,
        )
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    public_url = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    click.echo(f"Added vendor source {source.name} ({source.kind}).")
    # Two ids: the admin's pages use the row number, the API the public id.
    click.echo(f"  Admin page: {public_url}/admin/vendor-sources/{source.id}")
    click.echo(f"  API id:     {source.public_id} (/api/v1/vendor-sources/{source.public_id})")
    for vendor_name, component_id in source.component_map.items():
        from app.models import Component

        component = db.session.get(Component, component_id)
        click.echo(f"  {vendor_name} → {component.name}")
    if not source.component_map:
        click.echo("  No components mapped yet: the vendor is read but claims nothing.")
    click.echo(f"The worker polls it every {source.poll_seconds} s.")


COMMANDS = (add_vendor_source_command,)
