"""The directory both wings read: components, their groups and teams, as plain tables.

The domain owns these tables (``app.models``); delivery only needs ids and names to check
a selection, expand a component to its group and label an export, so it reads them here
without importing the domain's models."""

from __future__ import annotations

from sqlalchemy import Integer, String, column, table

components = table(
    "components",
    column("id", Integer),
    column("name", String),
    column("group_id", Integer),
    column("team_id", Integer),
)
component_groups = table("component_groups", column("id", Integer), column("name", String))
teams = table("teams", column("id", Integer), column("name", String))
