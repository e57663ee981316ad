"""Management API: private pages, their viewers and read tokens; the same services as the
admin (app/pages), described in app/api/openapi_pages.py."""

from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.auth import allow, api_user
from app.api.errors import ApiError
from app.api.inputs import json_body
from app.models import PrivatePage
from app.pages import services, viewers
from core.db import db


def _page(slug: str) -> PrivatePage:
    page = services.page_by_slug(slug)
    if page is None:
        raise ApiError(404, "not_found", f"No private page {slug!r}.")
    return page


def _created(data: dict):
    response = jsonify(data)
    response.status_code = 201
    return response


@bp.get("/pages")
@allow("view_admin")
def list_private_pages():
    return jsonify({"pages": [services.describe(p) for p in services.pages()]})


@bp.post("/pages")
@allow("manage_pages")
def create_private_page():
    data = json_body(("slug", "name", "components"), required=("slug", "name", "components"))
    page = services.create_page(
        api_user(), slug=data["slug"], name=data["name"], components=data["components"]
    )
    db.session.commit()
    return _created(services.describe(page))


@bp.get("/pages/<slug>")
@allow("view_admin")
def private_page(slug: str):
    return jsonify(services.describe(_page(slug)))


@bp.patch("/pages/<slug>")
@allow("manage_pages")
def update_private_page(slug: str):
    data = json_body(("slug", "name", "components"))  # a bad body is refused before the lookup
    page = _page(slug)
    services.edit_page(api_user(), page, **data)
    db.session.commit()
    return jsonify(services.describe(page))


@bp.delete("/pages/<slug>")
@allow("manage_pages")
def delete_private_page(slug: str):
    json_body(())
    services.delete_page(api_user(), _page(slug))
    db.session.commit()
    return "", 204


@bp.post("/pages/<slug>/viewers")
@allow("manage_pages")
def invite_page_viewer(slug: str):
    data = json_body(("email",), required=("email",))
    page = _page(slug)
    viewer = viewers.invite_viewer(api_user(), page, data["email"])
    db.session.commit()
    return _created({"id": viewer.id, "email": viewer.email, "page": page.slug})


@bp.delete("/pages/<slug>/viewers/<viewer_id>")
@allow("manage_pages")
def remove_page_viewer(slug: str, viewer_id: str):
    json_body(())
    page = _page(slug)
    viewer = next((v for v in page.viewers if str(v.id) == viewer_id), None)
    if viewer is None:
        raise ApiError(404, "not_found", f"No viewer {viewer_id} on {slug!r}.")
    viewers.remove_viewer(api_user(), viewer)
    db.session.commit()
    return "", 204


@bp.post("/pages/<slug>/read-token")
@allow("manage_pages")
def rotate_page_token(slug: str):
    json_body(())
    token = services.rotate_read_token(api_user(), _page(slug))
    db.session.commit()
    response = _created({"token": token})
    response.headers["Cache-Control"] = "no-store"
    return response
