"""GET /api/v1/openapi.json: an OpenAPI 3.1 document naming every route of the API, its
bearer security, its bodies and answers, and the error shape."""

from __future__ import annotations

import re

import pytest

from app.api.openapi import DOCUMENT

METHODS = {"get", "post", "patch", "put", "delete"}


@pytest.fixture
def document(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def blueprint_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api_v1."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    return routes


def test_every_route_of_the_blueprint_is_in_the_document_and_nothing_else(app, document):
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }
    assert blueprint_routes(app) == documented
    assert len(documented) >= 13


def test_the_document_is_openapi_3_1_with_bearer_security(document):
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": "/api/v1"}]
    assert document["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "hrld_<prefix>_<secret>",
    }
    assert document["paths"]["/openapi.json"]["get"]["security"] == []


def test_every_operation_documents_its_errors_and_path_parameters(document):
    for path, item in document["paths"].items():
        names = {p["name"] for p in item.get("parameters", ()) if p["in"] == "path"}
        assert names == set(re.findall(r"{(\w+)}", path)), path
        for method, operation in item.items():
            if method not in METHODS or path == "/openapi.json":
                continue
            responses = operation["responses"]
            assert {"400", "401", "403", "404"} <= set(responses), (path, method)
            assert any(code.startswith("2") for code in responses)
            if method in ("post", "patch"):
                assert "requestBody" in operation, (path, method)


def test_every_reference_resolves(document):
    text = repr(document)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in document["components"]["schemas"], name


def test_the_error_schema_is_the_shape_the_api_answers(document):
    error = document["components"]["schemas"]["Error"]["properties"]["error"]
    assert set(error["required"]) == {"status", "code", "message", "field"}


def test_the_draft_schema_names_what_the_issue_promises(document):
    draft = document["components"]["schemas"]["Draft"]["properties"]
    assert {
        "id",
        "audience",
        "page_text",
        "email_subject",
        "email_body",
        "sms_text",
        "findings",
        "needs_approval",
    } <= set(draft)
    finding = document["components"]["schemas"]["Finding"]["properties"]
    assert {"severity", "code", "message", "start", "end"} <= set(finding)


def test_the_served_document_is_the_module_data(document):
    assert document == DOCUMENT


def test_declaring_documents_where_a_body_goes(document):
    declare = document["paths"]["/incidents"]["post"]
    body = declare["requestBody"]["content"]["application/json"]["schema"]["properties"]["body"]
    assert "needs no approval" in body["description"]
    assert "internal text" in body["description"]
    answer = declare["responses"]["201"]["content"]["application/json"]["schema"]
    extra = answer["allOf"][1]["properties"]
    assert extra["body_visibility"]["enum"] == ["public", "internal", None]
    assert "body_note" in extra
