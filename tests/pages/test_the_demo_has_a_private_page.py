"""The demo has Acme Corp's private page with a hidden component and one viewer, and
``herald demo`` prints a sign-in link that works."""

from __future__ import annotations

import re

from app.demo import seed_demo
from app.demo.pages import DEMO_VIEWER, print_demo_viewer
from app.pages.services import page_by_slug
from app.reports.credits import credits_report, parse_month
from app.reports.metrics import today
from tests.pages.conftest import use_link


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


def test_the_demo_credits_list_acme_for_last_months_breach(app):
    seed_demo()
    report = credits_report(parse_month(None, today()))
    owed = {c.label: [r.component.name for r in rows] for c, rows in report.by_customer()}
    assert owed["Acme Corp"] == ["Card payments"]
    acme = next(c for c, _ in report.by_customer() if c.label == "Acme Corp")
    assert acme.viewers == [DEMO_VIEWER]
