"""The ``herald`` command: a Flask CLI group with Herald's own commands."""

from __future__ import annotations

import contextlib
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from core.db import db
from core.errors import ServiceError
from core.vocab import ROLES


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The user's role.")
@click.option("--password", help="Leave out to be asked for it (not echoed).")
@click.option("--name", default="", help="Display name.")
@with_appcontext
def create_user_command(email: str, role: str, password: str | None, name: str) -> None:
    """Create a staff user."""
    from app.accounts import create_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(None, email, role, password, name=name)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        _fail(error.message)
    click.echo(f"Created {user.email} ({role}).")


@click.command("seed-demo")
@click.option("--reset", is_flag=True, help="Delete all existing data first.")
@with_appcontext
def seed_demo_command(reset: bool) -> None:
    """Load the demo company (Brightwave) with 90 days of history."""
    from app.demo import database_is_empty, reset_database, seed_demo

    if reset:
        reset_database()
    elif not database_is_empty():
        _fail(
            "The database already has components; use --reset to replace everything "
            "with the demo data."
        )
    seed_demo()
    click.echo("Loaded the demo data.")


def print_demo_logins() -> None:
    from app.demo import DEMO_PASSWORD, DEMO_USERS

    click.echo(f"\nDemo staff sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, role, _, _ in DEMO_USERS:
        click.echo(f"  {role:<11} {email}")


def print_where_messages_go(app) -> None:
    """Where the demo's emails and SMS land when they go to files (the development
    defaults), so a new user can read what subscribers, teams and staff were sent."""
    places = []
    if app.config["EMAIL_BACKEND"] == "file":
        places.append(f"emails as .eml files in {os.path.join(app.instance_path, 'outbox')}")
    if app.config["SMS_BACKEND"] == "log":
        places.append(f"SMS as lines of {os.path.join(app.instance_path, 'sms.log')}")
    if places:
        click.echo(f"\nMessages sent: {'; '.join(places)}.")


def _link_host(host: str) -> str:
    """The host to put in links: a wildcard address is reached as localhost; an IPv6
    address goes in brackets."""
    if host in ("", "0.0.0.0", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    default=lambda: int(os.environ.get("PORT", 5000)),
    type=int,
    help="Port to serve on (default: $PORT or 5000).",
)
@with_appcontext
def demo_command(host: str, port: int) -> None:
    """Migrate, load the demo data if the database is empty, and serve the page."""
    from werkzeug.serving import make_server

    from app.demo import DEMO_PAGE_NAME, database_is_empty, seed_demo
    from subscribers.worker import start_embedded_worker

    app = current_app._get_current_object()
    # The port first: with it taken, nothing is announced, written or sent (found by a new
    # user: the demo said it was serving and its worker sent links to a port it never got).
    try:
        server = make_server(host, port, app, threaded=True)
    except (OSError, SystemExit):  # werkzeug says why, then exits, when the port is taken
        raise click.ClickException(
            f"Cannot serve on {host}:{port}: stop the program using the port, or choose "
            "another with PORT=<port> make demo."
        ) from None
    if not os.environ.get("HERALD_PUBLIC_URL"):
        # Links in messages and feeds point at the port the demo serves on, and so do the
        # URLs other commands print (config.DevelopmentConfig reads the file).
        app.config["PUBLIC_URL"] = f"http://{_link_host(host)}:{port}"
        remember_demo_url(app)
    if not os.environ.get("HERALD_PAGE_NAME"):
        app.config["PAGE_NAME"] = DEMO_PAGE_NAME
    upgrade()
    if database_is_empty():
        seed_demo()
        click.echo("Loaded the demo data.")
    from app.demo import vendor as demo_vendor

    demo_vendor.install(app)  # the demo's own vendor status page, read by the worker
    demo_vendor.point_demo_sources_at(app.config["PUBLIC_URL"])
    from app.demo import alerts as demo_alerts

    demo_alerts.ensure_demo_integration()
    print_demo_logins()
    demo_alerts.print_demo_integration()  # its webhook URL and (derived, stable) token
    from app.demo import pages as demo_pages

    demo_pages.print_demo_viewer()  # the private page viewer's single-use sign-in link
    print_where_messages_go(app)
    click.echo(
        f"\nHerald is serving the demo on http://{host}:{port}/ "
        f"(staff: http://{host}:{port}/login). Press Ctrl+C to stop.\n"
    )
    if app.config["EMBEDDED_WORKER"]:
        start_embedded_worker(app)
    # Not app.run(): Flask ignores it inside a CLI command.
    server.serve_forever()  # werkzeug's: Ctrl+C ends it and closes the socket


def remember_demo_url(app) -> None:
    from config import DEMO_URL_FILE

    with contextlib.suppress(OSError):
        path = os.path.join(app.instance_path, DEMO_URL_FILE)
        with open(path, "w", encoding="utf-8") as file:
            file.write(app.config["PUBLIC_URL"] + "\n")


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Run the periodic jobs once (for cron, when no worker runs)."""
    from subscribers.worker import run_periodic_jobs

    app = current_app._get_current_object()
    run_periodic_jobs(app)
    run_periodic_jobs(app, slow=True)
    click.echo("Periodic jobs done.")


@click.command("worker")
@with_appcontext
def worker_command() -> None:
    """Expand broadcasts, send deliveries and run the periodic jobs until stopped
    (Ctrl+C or SIGTERM finish the batch in hand first)."""
    import signal
    import threading

    from subscribers.worker import run_forever

    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    click.echo("Herald worker running. Press Ctrl+C to stop.")
    run_forever(current_app._get_current_object(), stop)
    click.echo("Worker stopped.")


@click.command("rebuild-uptime")
@with_appcontext
def rebuild_uptime_command() -> None:
    """Recompute the daily uptime roll-up from the status history."""
    from app.status.history import rebuild_all_rollups

    count = rebuild_all_rollups()
    db.session.commit()
    click.echo(f"Rebuilt the roll-up of {count} components.")


@click.command("import-subscribers")
@click.argument("file", type=click.File("rb"))
@click.option("--check", is_flag=True, help="Check the file and report; change nothing.")
@with_appcontext
def import_subscribers_command(file, check: bool) -> None:
    """Add or update internal subscribers from a CSV file (- for standard input).

    Columns: channel,address,audience,components,team (components separated by ;).
    Prints a line per row and a summary; exits with 1 when a row was rejected and 2
    when the file could not be read at all."""
    from subscribers.csv_io import REJECTED, import_rows

    report = import_rows(file.read(), dry_run=check)
    db.session.commit()
    for row in report.rows:
        what = " ".join(part for part in (row.channel, row.address, row.audience) if part)
        line = f"line {row.line}: {row.outcome} {what}: {row.reason}"
        click.echo(line, err=row.outcome == REJECTED)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    if report.errors:
        click.echo(f"Error: {report.summary()}", err=True)
        sys.exit(2)
    click.echo(report.summary())
    if report.rejected:
        sys.exit(1)


@click.command("export-subscribers")
@click.argument("file", required=False, type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(["pending", "active", "unsubscribed", "quarantined"]),
    help="Only subscribers in this state (repeatable). Default: all.",
)
@with_appcontext
def export_subscribers_command(file: str | None, states: tuple[str, ...]) -> None:
    """Write every subscriber as CSV (to FILE, or standard output), in the columns that
    import-subscribers reads, plus state."""
    from subscribers.csv_export import export_rows

    text = export_rows(list(states) or None)
    db.session.rollback()
    if file and file != "-":
        with open(file, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"Wrote {max(0, text.count(chr(10)) - 1)} subscribers to {file}.", err=True)
    else:
        click.echo(text, nl=False)


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. the integration.")
@with_appcontext
def create_token_command(email: str, name: str) -> None:
    """Make a management API token for the user with EMAIL (shown once)."""
    from app.accounts import find_user
    from app.api.tokens import create_token

    user = find_user(email)
    if user is None:
        _fail(f"No user with the email {email.strip()}. Create one with `herald create-user`.")
    try:
        token, plain = create_token(user, name)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        _fail(error.message)
    click.echo(f"Created API token {token.prefix} for {user.email} ({user.role}).")
    click.echo(plain)
    click.echo(
        "Store it now: Herald keeps only its hash and cannot show it again. "
        "Send it as `Authorization: Bearer <token>`.",
        err=True,
    )


@click.command("revoke-token")
@click.argument("prefix")
@with_appcontext
def revoke_token_command(prefix: str) -> None:
    """Revoke the API token with PREFIX (as `herald list-tokens` shows it)."""
    from app.api.tokens import find_by_prefix, revoke

    try:
        token = find_by_prefix(prefix)
    except ServiceError as error:
        _fail(error.message)
    if not revoke(token):
        click.echo(f"API token {token.prefix} of {token.user.email} was already revoked.")
        return
    db.session.commit()
    click.echo(f"Revoked API token {token.prefix} of {token.user.email}.")


@click.command("list-tokens")
@click.argument("email", required=False)
@with_appcontext
def list_tokens_command(email: str | None) -> None:
    """List API tokens (of the user with EMAIL, when given): never the tokens themselves."""
    from app.accounts import find_user
    from app.api.tokens import list_tokens

    user = None
    if email:
        user = find_user(email)
        if user is None:
            _fail(f"No user with the email {email.strip()}.")
    found = list_tokens(user)
    if not found:
        click.echo("No API tokens.")
        return
    click.echo(
        f"{'PREFIX':<10} {'USER':<30} {'STATE':<8} {'CREATED (UTC)':<17} {'LAST USED':<17} NAME"
    )
    for token in found:
        state = "revoked" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(
            f"{token.prefix:<10} {token.user.email:<30} {state:<8} "
            f"{token.created_at:%Y-%m-%d %H:%M}  {used:<17} {token.name}"
        )


def init_app(app: Flask) -> None:
    for command in (
        create_user_command,
        seed_demo_command,
        demo_command,
        tick_command,
        worker_command,
        rebuild_uptime_command,
        import_subscribers_command,
        export_subscribers_command,
        create_token_command,
        revoke_token_command,
        list_tokens_command,
    ):
        app.cli.add_command(command)
    from app.integration_cli import COMMANDS as integration_commands

    for command in integration_commands:
        app.cli.add_command(command)
    from app.vendor_cli import COMMANDS as vendor_commands

    for command in vendor_commands:
        app.cli.add_command(command)


def main() -> None:
    """Entry point of the ``herald`` console script."""
    from app import create_app
    from config import ConfigError

    def build_app() -> Flask:
        # Flask's command listing (``herald --help``) prints the traceback of any error
        # raised while loading the app and carries on; a bad setting must stop with its
        # message instead.
        try:
            return create_app()
        except ConfigError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)

    try:
        cli = FlaskGroup(
            create_app=build_app,
            add_version_option=False,
            help="Herald: status pages and stakeholder communication.",
        )
        cli.main(prog_name="herald")
    except Exception as error:  # settings errors and the like: a message, not a traceback
        from config import ConfigError

        if isinstance(error, ConfigError):
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)
        raise
