"""Management API: vendor sources (a vendor's public status page or feed, whose
components stand for Herald components). Same permissions as managing components;
described in app/api/openapi_vendor_sources.py."""

from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.auth import allow, api_user
from app.api.inputs import json_body, text
from app.api.lookup import by_public_id
from app.models import VendorSource
from app.signals import vendors
from core.db import db

FIELDS = ("name", "url", "kind", "components", "poll_seconds")


@bp.get("/vendor-sources")
@allow("view_admin")
def list_vendor_sources():
    return jsonify({"vendor_sources": [vendors.describe(s) for s in vendors.sources()]})


@bp.post("/vendor-sources")
@allow("manage_components")
def create_vendor_source():
    data = json_body(FIELDS, required=("name", "url"))
    source = vendors.create_source(
        api_user(),
        name=text(data, "name"),
        url=text(data, "url"),
        kind=text(data, "kind", "statuspage"),
        components=data.get("components") if data.get("components") is not None else {},
        poll_seconds=data.get("poll_seconds", 60),
    )
    db.session.commit()
    response = jsonify(vendors.describe(source))
    response.status_code = 201
    return response


@bp.get("/vendor-sources/<source_id>")
@allow("view_admin")
def vendor_source(source_id: str):
    return jsonify(vendors.describe(by_public_id(VendorSource, source_id, "vendor source")))


@bp.patch("/vendor-sources/<source_id>")
@allow("manage_components")
def update_vendor_source(source_id: str):
    data = json_body((*FIELDS, "enabled"))  # a bad body is refused before the lookup
    source = by_public_id(VendorSource, source_id, "vendor source")
    for name in ("name", "url", "kind"):
        if name in data:
            text(data, name)  # a string, or 400 naming the field
    values = dict(data)
    if "components" in values and values["components"] is None:
        values["components"] = {}
    vendors.update_source(api_user(), source, **values)
    db.session.commit()
    return jsonify(vendors.describe(source))


@bp.delete("/vendor-sources/<source_id>")
@allow("manage_components")
def delete_vendor_source(source_id: str):
    json_body(())  # no body, or an empty object: anything else is refused
    source = by_public_id(VendorSource, source_id, "vendor source")
    vendors.delete_source(api_user(), source)
    db.session.commit()
    return "", 204
