"""Template limits hold for any template: every way of building a huge text in one step
is refused, when saved or when a stored one renders, with a message that says what, the
old template kept and the huge text never allocated; ordinary uses of the same filters
and methods render as before."""

from __future__ import annotations

import tracemalloc

import pytest
from jinja2.exceptions import SecurityError
from sqlalchemy import func, select

from app.comms import templating
from app.comms.context import sample_context
from app.comms.sandbox import render_text
from app.models import AuditEvent, MessageTemplate
from core.db import db
from core.errors import ServiceError
from tests.comms.templatekit import HUGE, SETUP

# Far below the 50 MB and more that each payload built before it was refused.
PEAK_BYTES = 8_000_000


@pytest.fixture
def lead(make_user):
    return make_user("comms_lead")


def edited_sources() -> dict[str, str]:
    sources = dict(templating.default_source("customers", "investigating"))
    sources["email_body"] = "Hello,\nWe are on it: {{ incident.name }}"
    return sources


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


@pytest.mark.parametrize(("payload", "words"), HUGE)
def test_saving_a_template_that_would_build_a_huge_text_is_refused_and_keeps_the_old_one(
    app, lead, payload, words
):
    templating.save(
        lead, "customers", "investigating", edited_sources(), sample_context("customers")
    )
    db.session.commit()
    before = audit_count()
    sources = edited_sources()
    sources["email_body"] = "Hello,\n" + SETUP + payload
    tracemalloc.start()
    try:
        with pytest.raises(ServiceError) as caught:
            templating.save(
                lead, "customers", "investigating", sources, sample_context("customers")
            )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    db.session.rollback()
    assert caught.value.message.startswith("The template has errors: email body")
    assert words in caught.value.message
    assert peak < PEAK_BYTES
    row = templating.stored("customers", "investigating")
    assert row.email_body == edited_sources()["email_body"]
    assert audit_count() == before


@pytest.mark.parametrize(("payload", "words"), HUGE)
def test_a_stored_template_that_would_build_a_huge_text_falls_back_to_the_default(
    app, payload, words
):
    expected = templating.render("customers", "investigating", sample_context("customers"))
    sources = edited_sources()
    sources["page_text"] = SETUP + payload
    db.session.add(MessageTemplate(audience_key="customers", phase="investigating", **sources))
    db.session.commit()
    texts = templating.render("customers", "investigating", sample_context("customers"))
    assert texts.source == "default" and texts.as_dict() == expected.as_dict()
    assert "(page text" in texts.error and words in texts.error


def test_a_refused_filter_is_refused_even_where_the_template_never_goes(app, lead):
    sources = edited_sources()
    sources["sms_text"] = "{% if false %}{{ components|pprint }}{% endif %}{{ page_name }}"
    with pytest.raises(ServiceError) as caught:
        templating.save(lead, "customers", "investigating", sources, sample_context("customers"))
    assert "sms text, line 1: the filter 'pprint' is not allowed in a template" in (
        caught.value.message
    )


@pytest.mark.parametrize(
    ("expression", "name"),
    [
        ("'x'.encode()", "str.encode"),
        ("components.append('x')", "list.append"),
        ("facts.update(x=1)", "dict.update"),
        ("(3).bit_length()", "int.bit_length"),
    ],
)
def test_a_method_not_on_the_list_is_refused_by_name(expression, name):
    with pytest.raises(SecurityError, match=f"{name} is not allowed in a template"):
        render_text("{{ " + expression + " }}", {"components": ["API"], "facts": {}})


def test_ordinary_uses_of_the_checked_filters_and_methods_still_work():
    template = (
        "{{ ['a', 'b']|join(', ') }}|{{ '-'.join(['a', 'b']) }}|{{ 'aa bb cc'|wordwrap(5) }}|"
        "{{ '{a:>3}{b}'.format_map({'a': 1, 'b': 'x'}) }}|{{ 'a\\tb'.expandtabs(4) }}|"
        "{{ [1, 2.5]|sum }}|{{ [1, 2, 3]|batch(2, 0)|list }}|{{ [1, 2, 3]|slice(2)|list }}|"
        "{{ {'a': 1}.items()|list }}|{{ {'a': 1}.get('a') }}|{{ 'a,b'.split(',') }}|"
        "{{ 'x\\ny'|indent(2, first=True) }}|{{ [s]|length }}|{{ '%s=%d' % ('n', 3) }}|"
        "{{ '{0!r}'.format('q') }}|{{ ['x'] * 3 }}|{{ range(3)|map('string')|join }}|"
        "{% filter upper %}ok{% endfilter %}|{{ 'AB' is upper }}|{{ dict(a=1) }}"
    )
    assert render_text(template, {"s": "x" * 40_000}) == (
        "a, b|a-b|aa bb\ncc|  1x|a   b|3.5|[[1, 2], [3, 0]]|[[1, 2], [3]]|[('a', 1)]|1|"
        "['a', 'b']|  x\n  y|1|n=3|'q'|['x', 'x', 'x']|012|OK|True|{'a': 1}"
    )


def slow_python(n: int = 30_000_000) -> int:
    """Python work outside the template's own frames, a few seconds of it."""
    return sum(abs(i) for i in range(n))


def test_the_cpu_budget_counts_what_the_template_calls_not_only_its_own_lines():
    with pytest.raises(SecurityError, match="runs too long"):
        render_text("{{ slow() }}", {"slow": slow_python})
