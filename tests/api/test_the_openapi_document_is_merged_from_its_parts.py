"""The OpenAPI document is assembled one way: each part (app/api/openapi_<part>.py) holds
PATHS and SCHEMAS built from app/api/openapi_schemas.py, and app/api/openapi.py merges
every part listed in PARTS. A part left out of PARTS would drop its routes from the
document; a part importing openapi.py would bring back the import-order tangle."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from app.api import openapi

API = Path(openapi.__file__).parent
NOT_PARTS = {"openapi", "openapi_schemas"}


def part_names() -> set[str]:
    return {p.stem for p in API.glob("openapi_*.py")} - NOT_PARTS


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_every_part_module_is_merged():
    assert {part.__name__.rsplit(".", 1)[1] for part in openapi.PARTS} == part_names()


def test_every_part_lands_whole_in_the_served_document(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for part in openapi.PARTS:
        assert part.PATHS and set(part.PATHS) <= set(document["paths"])
        assert set(part.SCHEMAS) <= set(document["components"]["schemas"])
        for path, item in part.PATHS.items():
            assert document["paths"][path] == app.json.loads(app.json.dumps(item))


def test_parts_build_only_from_the_schema_helpers_and_constants():
    for name in part_names():
        imports = imported_modules(API / f"{name}.py")
        assert "app.api.openapi" not in imports, name
        from_app = {m for m in imports if m.startswith("app.")}
        allowed = {m for m in from_app if m.startswith(("app.api.openapi_schemas", "app.models"))}
        assert from_app == allowed, (name, from_app - allowed)
        importlib.import_module(f"app.api.{name}")  # loads on its own


def test_no_view_module_adds_to_the_document():
    for path in API.glob("*.py"):
        if path.stem.startswith("openapi") or path.stem == "__init__":
            continue
        described = {m for m in imported_modules(path) if m.startswith("app.api.openapi")}
        assert not described, (path.stem, described)
