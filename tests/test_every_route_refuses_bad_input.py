"""Bad input never answers 500 and never changes anything: every route of the app, every
method, walked with ids no database column can hold, odd strings, bad page numbers and
JSON nested far deeper than any parser should follow."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from app.api.tokens import create_token
from app.input_bounds import BadJson, read_json
from core.db import db
from tests.api.helpers import ApiClient, facts
from tests.snapshot import snapshot

HUGE = str(10**30)
# Per converter, the values each walk substitutes; the walk takes the n-th of each.
BAD_VALUES = {
    "int": (HUGE, "-1", "9" * 5000),
    "string": ("x" * 3000, "%00\x7f'\"<>;--", "☃é\u202e", HUGE),
    "path": ("../" * 50 + "etc/passwd", "x" * 3000, "%ff%fe", HUGE),
}
BAD_PAGES = (HUGE, "-5", "abc", "²", "9" * 5000)
DEPTH = 100_000
DEEP_BODIES = {
    "array": "[" * DEPTH + "]" * DEPTH,
    "object": '{"a":' * DEPTH + "1" + "}" * DEPTH,
}
PARAMETER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def routes(app) -> list[tuple[str, str]]:
    """(rule, method) for every rule of every blueprint, HEAD and OPTIONS aside."""
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def fill_in(rule: str, choose) -> str:
    """The rule's URL with each parameter replaced by ``choose(converter, name)``."""
    return PARAMETER.sub(
        lambda m: quote(choose(m["converter"] or "string", m["name"]), safe="%"), rule
    )


def bad_urls(rule: str) -> list[str]:
    converters = [m["converter"] or "string" for m in PARAMETER.finditer(rule)]
    if not converters:
        return []
    rounds = max(len(BAD_VALUES[c]) for c in converters)
    return [
        fill_in(
            rule, lambda converter, _, n=n: BAD_VALUES[converter][n % len(BAD_VALUES[converter])]
        )
        for n in range(rounds)
    ]


@pytest.fixture
def clients(app, audiences, make_user, make_component, staff):
    """An admin's signed-in client for the pages and an admin's API client for /api/v1,
    with one incident and its drafts made through the API, so that routes with real ids
    read their bodies."""
    admin = make_user("admin")
    _, plain = create_token(admin, "walk")
    db.session.commit()
    api = ApiClient(app.test_client(), plain)
    component = make_component("API")
    incident = api.post(
        "/api/v1/incidents",
        json={
            "name": "Walked",
            "impact": "minor",
            "components": {component.public_id: "degraded_performance"},
        },
    ).get_json()
    sheet = api.post(
        f"/api/v1/incidents/{incident['id']}/drafts",
        json={"status": "identified", "facts": facts(), "audiences": ["customers"]},
    ).get_json()
    real = {
        "component_id": component.public_id,
        "incident_id": incident["id"],
        "draft_id": sheet["drafts"][0]["id"],
    }
    return {"page": staff(admin), "api": api, "real": real}


def real_url(clients, rule: str, method: str, real: bool = True) -> str:
    """The rule's URL with the walk's real ids (when ``real``), else 1 to read and 999999
    to write (a delete of a row the walk did not make would be no refusal)."""
    other = "1" if method not in BODY_METHODS else "999999"
    known = clients["real"] if real else {}
    return fill_in(rule, lambda converter, name: known.get(name, other))


def send(clients, method: str, url: str, csrf: bool = False, **kwargs):
    """As the admin: by API token to /api/v1, else signed in; ``csrf`` posts the form
    token, so that a form view gets as far as reading its input."""
    if url.startswith("/api/v1/"):
        return clients["api"].send(method, url, **kwargs)
    page = clients["page"]
    if csrf:
        kwargs["data"] = {"csrf_token": page.token}
    return page.client.open(url, method=method, **kwargs)


def still_signed_in(clients) -> bool:
    """The walk ran as the admin to its end (no route it called signed the admin out)."""
    return clients["page"].get("/admin/").status_code == 200


def refused(response, url: str) -> None:
    """A refusal, never a 500, in the shape its caller reads: JSON for the API."""
    assert response.status_code < 500, (url, response.status_code)
    if url.startswith("/api/"):
        assert response.mimetype == "application/json", (url, response.mimetype)
        if response.status_code >= 400:
            assert response.get_json()["error"]["message"], url


def test_every_route_answers_ids_no_column_can_hold_with_404_and_changes_nothing(app, clients):
    before = snapshot()
    for rule, method in routes(app):
        for url in bad_urls(rule):
            response = send(clients, method, url, csrf=method in BODY_METHODS)
            refused(response, url)
            if "<int:" in rule:
                assert response.status_code == 404, (method, url, response.status_code)
    assert snapshot() == before
    assert still_signed_in(clients)


@pytest.mark.parametrize("page", BAD_PAGES)
def test_every_route_refuses_a_bad_page_number_and_changes_nothing(app, clients, page):
    before = snapshot()
    for rule, method in routes(app):
        # An empty POST to a real draft approves it: only reads get the real ids here.
        url = real_url(clients, rule, method, real=method not in BODY_METHODS)
        response = send(clients, method, f"{url}?page={page}&per_page={page}")
        refused(response, url)
    assert snapshot() == before
    assert still_signed_in(clients)


@pytest.mark.parametrize("shape", sorted(DEEP_BODIES))
def test_every_route_refuses_json_nested_100000_deep_and_changes_nothing(app, clients, shape):
    before = snapshot()
    for rule, method in routes(app):
        if method not in BODY_METHODS:
            continue
        url = real_url(clients, rule, method)
        response = send(
            clients, method, url, data=DEEP_BODIES[shape], content_type="application/json"
        )
        refused(response, url)
        if url.startswith("/api/v1/"):
            assert response.status_code == 400, (method, url, response.status_code)
            assert "nested" in response.get_json()["error"]["message"]
    assert snapshot() == before
    assert still_signed_in(clients)


PAGED = (
    "/admin/incidents",
    "/admin/audit",
    "/admin/subscribers",
    "/admin/broadcasts",
)


@pytest.mark.parametrize("page", (*BAD_PAGES, "0", "1.5", "١"))
@pytest.mark.parametrize("url", PAGED)
def test_a_staff_list_answers_a_bad_page_number_with_400_naming_it(clients, url, page):
    response = clients["page"].get(f"{url}?page={quote(page)}")
    assert response.status_code == 400
    assert "The page number must be a whole number from 1 to" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", PAGED)
def test_a_staff_list_still_pages_from_a_good_page_number(clients, url):
    assert clients["page"].get(f"{url}?page=2").status_code == 200
    assert clients["page"].get(url).status_code == 200


def test_revoking_a_token_id_no_column_can_hold_answers_400_and_changes_nothing(clients):
    before = snapshot()
    response = clients["page"].post("/admin/api-tokens/revoke", data={"token_id": HUGE})
    assert response.status_code == 400
    assert "No API token has that id." in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_recipients_preview_of_a_group_no_column_can_hold_answers_404(clients):
    assert clients["page"].get(f"/admin/subscriber-groups/preview?group={HUGE}").status_code == 404


def test_a_recipients_preview_leaves_out_component_ids_no_column_can_hold(clients):
    url = f"/admin/subscriber-groups/preview?audience=customers&components={HUGE}&components=1"
    assert clients["page"].get(url).status_code == 200


def test_an_api_body_over_the_size_cap_answers_400_and_changes_nothing(clients):
    before = snapshot()
    body = '{"name": "' + "x" * (1024 * 1024) + '", "impact": "minor"}'
    response = clients["api"].send(
        "POST", "/api/v1/incidents", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "too_large"
    assert snapshot() == before


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_json_64_deep_is_read_and_brackets_inside_strings_do_not_count():
    assert read_json("[" * 64 + "]" * 64) == nested(64)
    assert read_json('{"a": "' + "[{" * 100 + '\\"["}') == {"a": "[{" * 100 + '"['}
    with pytest.raises(BadJson, match="nested more than 64 levels"):
        read_json("[" * 65 + "]" * 65)


@pytest.mark.parametrize("page", (*BAD_PAGES, "0", "1.5", "١"))
@pytest.mark.parametrize("url", ("/history", "/internal/history"))
def test_a_history_page_that_cannot_exist_is_not_found(clients, url, page):
    """Found in review: "²" passed str.isdigit and 5,000 nines passed Python's limit on
    turning text into a number; both answered 500."""
    response = clients["page"].get(f"{url}?page={quote(page)}")
    assert response.status_code == 404


def test_an_error_in_the_staff_area_keeps_the_staff_menu(clients):
    """Found by a new user: a 404 under /admin offered only "Back to the status page"."""
    page = clients["page"].get("/admin/incidents/999999").get_data(as_text=True)
    assert "There is nothing at this address." in page
    assert "Back to the dashboard" in page and 'href="/admin/incidents"' in page


def test_a_nul_character_is_refused_before_it_reaches_the_database(clients):
    """Found on PostgreSQL, whose text cannot hold NUL: a NUL in an address, a query, a
    form or a JSON body answered 500 there (SQLite stored it)."""
    before = snapshot()
    page, api = clients["page"], clients["api"]
    assert page.get("/admin/fact-sheets/ab%00cd").status_code == 404
    assert page.get("/admin/incidents?page=1%00").status_code == 400
    response = page.post(
        "/admin/components/new", data={"csrf_token": page.token, "name": "Bad\x00name"}
    )
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    response = api.post(
        "/api/v1/incidents", json={"name": "Bad\u0000name", "impact": "minor", "components": {}}
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "name"
    assert "control character (U+0000" in response.get_json()["error"]["message"]
    assert snapshot() == before
