"""The demo has Acme Corp's private page with a hidden component and one viewer, and
``herald demo`` prints a sign-in link that works."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.demo import seed_demo
from app.demo.pages import DEMO_VIEWER, print_demo_viewer
from app.pages.services import page_by_slug
from app.reports.credits import credits_report, parse_month
from app.reports.metrics import today
from core.db import db
from subscribers.models import Broadcast
from tests.pages.conftest import LINK_RE, sign_in_path, use_link


def test_the_demo_viewer_signs_in_by_the_printed_link_and_sees_acmes_page(app, capsys):
    seed_demo()
    page = page_by_slug("acme")
    assert page.name == "Acme Corp"
    hidden = [c.name for c in page.components if c.visibility == "internal"]
    assert hidden == ["Job queue"]
    assert [v.email for v in page.viewers] == [DEMO_VIEWER]

    print_demo_viewer()
    printed = capsys.readouterr().out
    assert "Acme Corp" in printed and DEMO_VIEWER in printed
    path = re.search(r"https://status\.example\.com(/p/sign-in/\S+)", printed).group(1)
    client = app.test_client()
    assert use_link(client, path).status_code == 302
    html = client.get("/p/acme").get_data(as_text=True)
    assert "Job queue" in html
    assert "Slower card authorisations in the EU" in html  # the demo's open incident
    assert "Search cluster" not in html  # hidden, and not Acme's


def printed_path(capsys) -> str:
    """The sign-in link ``herald demo`` printed on a start."""
    print_demo_viewer()
    return LINK_RE.search(capsys.readouterr().out).group(1)


def sign_in_emails() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Broadcast).where(Broadcast.kind == "page_sign_in")
    )


def test_starting_the_demo_again_keeps_the_emailed_link_working(app, capsys):
    seed_demo()
    emailed = sign_in_path(DEMO_VIEWER)
    assert sign_in_emails() == 1  # invited once, when the demo was loaded
    printed_path(capsys)  # the first start
    printed_path(capsys)  # and a restart
    assert sign_in_emails() == 1  # no new invitation voided the first
    assert use_link(app.test_client(), emailed).status_code == 302


def test_once_the_link_is_used_the_next_start_prints_a_new_one(app, capsys):
    seed_demo()
    first = printed_path(capsys)
    assert use_link(app.test_client(), first).status_code == 302
    # The emailed copy was the same sign-in: spent with it, as each link works once.
    spent = use_link(app.test_client(), sign_in_path(DEMO_VIEWER))
    assert spent.status_code == 400 and "already been used" in spent.get_data(as_text=True)
    again = printed_path(capsys)
    assert again != first
    assert use_link(app.test_client(), again).status_code == 302
    assert sign_in_emails() == 1


def test_the_demo_credits_list_acme_for_last_months_breach(app):
    seed_demo()
    report = credits_report(parse_month(None, today()))
    owed = {c.label: [r.component.name for r in rows] for c, rows in report.by_customer()}
    assert owed["Acme Corp"] == ["Card payments"]
    acme = next(c for c, _ in report.by_customer() if c.label == "Acme Corp")
    assert acme.viewers == [DEMO_VIEWER]
