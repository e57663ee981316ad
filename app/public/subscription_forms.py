"""What the subscription pages share: the channel names, the page a subscriber's pages
belong to and the components it can choose there, the choice posted, and the page that
says what went wrong."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, current_app, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.i18n import current_language
from app.models import Component, ComponentGroup, PrivatePage
from app.pages.services import page_for_audience
from app.public.caching import personal_page
from app.status.summary import visible_components
from core.vocab import LANGUAGES
from subscribers.models import Subscriber

CHANNEL_LABELS = {"email": _l("Email"), "sms": _l("Text message"), "webhook": _l("Webhook")}


@dataclass
class Choices:
    """The public components a subscriber can choose, grouped as on the page."""

    groups: list[tuple[ComponentGroup, list[Component]]]
    solo: list[Component]

    @property
    def component_ids(self) -> set[int]:
        ids = {c.id for c in self.solo}
        for _, components in self.groups:
            ids |= {c.id for c in components}
        return ids

    @property
    def group_ids(self) -> set[int]:
        return {group.id for group, _ in self.groups}


def public_choices() -> Choices:
    by_group: dict[int, tuple[ComponentGroup, list[Component]]] = {}
    solo = []
    for component in visible_components("public"):
        if component.group is None:
            solo.append(component)
        else:
            by_group.setdefault(component.group.id, (component.group, []))[1].append(component)
    groups = sorted(by_group.values(), key=lambda item: (item[0].position, item[0].name))
    return Choices(groups, solo)


def page_choices(page: PrivatePage) -> Choices:
    """A private page's components, hidden ones too, and nothing else: a group would
    reach past the page to members it does not show."""
    return Choices([], list(page.components))


@dataclass(frozen=True)
class Home:
    """The page a subscriber's pages belong to: the public status page, or the private
    page (app.pages) whose audience the subscriber is in, with what it may choose there."""

    name: str
    url: str
    private_page: PrivatePage | None = None

    def choices(self) -> Choices:
        if self.private_page is None:
            return public_choices()
        return page_choices(self.private_page)


def home_of(subscriber: Subscriber) -> Home:
    page = page_for_audience(subscriber.audience_id)
    if page is None:
        return Home(current_app.config["PAGE_NAME"], url_for("public.index"))
    return Home(page.name, url_for("pages.page", slug=page.slug), page)


@dataclass
class Selection:
    scope: str = "all"
    component_ids: set[int] = field(default_factory=set)
    group_ids: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, subscriber: Subscriber) -> Selection:
        return cls(
            "all" if subscriber.all_components else "some",
            {s.component_id for s in subscriber.selections if s.component_id},
            {s.group_id for s in subscriber.selections if s.group_id},
        )


def resubscribe_selection(subscriber: Subscriber) -> Selection:
    """The subscriber's choice, limited to what the public sign-up form accepts."""
    choices = public_choices()
    current = Selection.of(subscriber)
    kept = Selection(
        current.scope,
        current.component_ids & choices.component_ids,
        current.group_ids & choices.group_ids,
    )
    if kept.scope == "some" and not kept.component_ids and not kept.group_ids:
        return Selection()
    return kept


def read_selection(choices: Choices, errors: dict[str, str]) -> Selection:
    """The posted choice: everything, or ticked public components and groups."""
    form = request.form
    scope = "some" if form.get("scope") == "some" else "all"
    raw_components, raw_groups = form.getlist("component"), form.getlist("group")
    try:
        component_ids = {int(value) for value in raw_components}
        group_ids = {int(value) for value in raw_groups}
    except ValueError:
        component_ids, group_ids = set(), set()
        errors["components"] = gettext("Choose components from the list.")
    selection = Selection(scope, component_ids, group_ids)
    if "components" in errors:
        pass
    elif component_ids - choices.component_ids or group_ids - choices.group_ids:
        errors["components"] = gettext("Choose components from the list.")
    elif scope == "some" and not component_ids and not group_ids:
        errors["components"] = gettext(
            "Tick at least one component or group, or choose to hear about everything."
        )
    return selection


def read_language(errors: dict[str, str]) -> str:
    """The posted language of the messages; absent: the page's language."""
    language = request.form.get("language") or current_language()
    if language not in LANGUAGES:
        errors["language"] = gettext("Choose a language from the list.")
    return language


def problem_page(title: str, message: str, status: int, home: Home | None = None) -> Response:
    """What went wrong, in the frame of the page it belongs to (the public one unless
    ``home`` names a private page), pointing to that page's sign-up."""
    home = home or Home(current_app.config["PAGE_NAME"], url_for("public.index"))
    subscribe = (
        url_for("pages.subscribe", slug=home.private_page.slug)
        if home.private_page
        else url_for("public.subscribe")
    )
    return personal_page(
        "public/subscribe_problem.html",
        status,
        title=title,
        message=message,
        home=home,
        subscribe_url=subscribe,
    )


def subscribe_rate() -> str:
    """Sign-ups and code tries per client address (a limit string for the limiter)."""
    return current_app.config["SUBSCRIBE_RATE"]
