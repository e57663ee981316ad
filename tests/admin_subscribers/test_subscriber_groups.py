"""Subscriber groups: the size by channel of an (audience, components) selection, who
would receive a message, and named saved groups in the admin."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.db import db
from subscribers import groups
from subscribers.audiences import get_audience
from subscribers.models import SavedGroup
from subscribers.outbox import Message, create_broadcast, expand_broadcast
from tests.forms import page_text


@pytest.fixture
def world(app, make_component, make_subscriber):
    """Executives and others, subscribed in every way a group has to tell apart."""
    card = make_component("Card API", group="Payments")
    make_component("Checkout", group="Payments")
    search = make_component("Search")
    make_subscriber("all@example.com", "executives")
    make_subscriber("+14155552671", "executives", channel="sms", component_ids=[card.id])
    make_subscriber(
        "https://hooks.example.com/exec", "executives", channel="webhook", group_ids=[card.group_id]
    )
    make_subscriber("https://hooks.example.com/eng", "engineering", channel="webhook")
    make_subscriber("vip@example.com", "executives", component_ids=[card.id], key_account=True)
    make_subscriber("search@example.com", "executives", component_ids=[search.id])
    make_subscriber("support@example.com", "support")
    make_subscriber("pending@example.com", "executives", state="pending")
    make_subscriber("+12025550123", "executives", channel="sms", state="unsubscribed")
    make_subscriber("sick@example.com", "executives", state="quarantined")
    return {"card": card, "search": search, "executives": get_audience("executives")}


def test_the_size_by_channel_counts_only_active_subscribers_who_hear_about_it(app, world):
    counts = groups.group_counts(world["executives"], [world["card"].id])
    # all-components, chose Card API (sms, key account), chose the Payments group (webhook)
    assert counts == {"email": 2, "sms": 1, "webhook": 1, "slack": 0, "chat_webhook": 0}


def test_a_group_of_every_component_is_every_active_subscriber_of_the_audience(app, world):
    assert groups.group_counts(world["executives"], []) == {
        "email": 3,
        "sms": 1,
        "webhook": 1,
        "slack": 0,
        "chat_webhook": 0,
    }
    assert groups.group_counts(world["executives"], [world["search"].id]) == {
        "email": 2,
        "sms": 0,
        "webhook": 0,
        "slack": 0,
        "chat_webhook": 0,
    }


def test_the_size_is_what_a_broadcast_to_the_group_would_send(app, world):
    counts = groups.group_counts(world["executives"], [world["card"].id])
    broadcast = create_broadcast(
        "executives",
        Message("Card API errors", "text"),
        source="t",
        component_ids=[world["card"].id],
    )
    db.session.commit()
    assert expand_broadcast(broadcast.id) == sum(counts.values())


def test_the_preview_lists_the_right_people_key_accounts_first(app, world):
    preview = groups.recipients_preview(world["executives"], [world["card"].id], limit=10)
    addresses = [s.address for s in preview.subscribers]
    assert addresses[0] == "vip@example.com"
    assert sorted(addresses) == sorted(
        [
            "all@example.com",
            "vip@example.com",
            "+14155552671",
            "https://hooks.example.com/exec",
        ]
    )
    assert preview.total == 4 and preview.more == 0
    short = groups.recipients_preview(world["executives"], [world["card"].id], limit=1)
    assert len(short.subscribers) == 1 and short.more == 3


def test_staff_save_a_named_group_and_see_its_size_by_channel(app, world, admin):
    response = admin.post(
        "/admin/subscriber-groups/new",
        data={
            "name": "Payments – executives",
            "audience": "executives",
            "component_ids": [world["card"].id],
        },
    )
    assert response.status_code == 302

    page = page_text(admin.get("/admin/subscriber-groups"))
    row = re.search(r"<tr>\s*<td>Payments – executives</td>.*?</tr>", page, re.S).group(0)
    assert "Card API" in row
    cells = dict(re.findall(r'data-channel="(\w+)">(\d+)<', row))
    assert cells == {"email": "2", "sms": "1", "webhook": "1", "slack": "0", "chat_webhook": "0"}


def test_a_group_name_is_unique_and_errors_change_nothing(app, world, admin):
    groups.create_group(None, "Payments – executives", world["executives"], [])
    db.session.commit()
    response = admin.post(
        "/admin/subscriber-groups/new",
        data={"name": "payments – EXECUTIVES", "audience": "executives"},
    )
    assert response.status_code == 409
    assert "There is already a group called" in page_text(response)
    response = admin.post(
        "/admin/subscriber-groups/new", data={"name": "", "audience": "executives"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(SavedGroup.id))) == 1


def test_staff_edit_and_delete_a_saved_group(app, world, admin):
    group = groups.create_group(None, "Execs", world["executives"], [world["card"].id])
    db.session.commit()
    page = page_text(admin.get(f"/admin/subscriber-groups/{group.id}"))
    assert re.search(rf'value="{world["card"].id}" checked', page)

    response = admin.post(
        f"/admin/subscriber-groups/{group.id}",
        data={
            "name": "Search – support",
            "audience": "support",
            "component_ids": [world["search"].id],
        },
    )
    assert response.status_code == 302
    db.session.refresh(group)
    assert (group.name, group.audience.key, group.component_ids) == (
        "Search – support",
        "support",
        [world["search"].id],
    )

    admin.post(f"/admin/subscriber-groups/{group.id}/delete")
    assert db.session.scalar(select(func.count(SavedGroup.id))) == 0


def test_the_preview_page_shows_who_a_saved_group_would_reach(app, world, viewer):
    group = groups.create_group(None, "Execs", world["executives"], [world["card"].id])
    db.session.commit()

    page = page_text(viewer.get(f"/admin/subscriber-groups/preview?group={group.id}"))

    for address in ("all@example.com", "vip@example.com", "+14155552671"):
        assert address in page
    for address in ("search@example.com", "support@example.com", "pending@example.com"):
        assert address not in page
    assert 'data-channel="total">4<' in page


def test_the_preview_page_answers_for_any_audience_and_components(app, world, viewer):
    url = f"/admin/subscriber-groups/preview?audience=executives&components={world['search'].id}"
    page = page_text(viewer.get(url))
    assert "search@example.com" in page and "all@example.com" in page
    assert "vip@example.com" not in page
    assert 'data-channel="total">2<' in page

    page = page_text(viewer.get("/admin/subscriber-groups/preview?audience=press"))
    assert "Nobody would receive it" in page


def test_viewers_see_groups_but_cannot_save_them(app, world, viewer):
    assert viewer.get("/admin/subscriber-groups").status_code == 200
    assert viewer.get("/admin/subscriber-groups/new").status_code == 403
