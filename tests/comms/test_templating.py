"""Staff-edited templates: refused with the field and line when they are wrong, rendered
in the sandbox, and never able to break a draft (the default steps in)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.comms import templating
from app.comms.context import sample_context
from app.models import AuditEvent, MessageTemplate
from core.db import db
from core.errors import ServiceError


@pytest.fixture
def lead(make_user):
    return make_user("comms_lead")


def defaults(audience: str = "customers", phase: str = "investigating") -> dict[str, str]:
    return dict(templating.default_source(audience, phase))


def template_count() -> int:
    return db.session.scalar(select(func.count(MessageTemplate.id)))


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def refused(
    lead, sources: dict[str, str], audience: str = "customers", phase: str = "investigating"
) -> str:
    """Try to save; assert it was refused and nothing was stored; return the message."""
    before = audit_count()
    with pytest.raises(ServiceError) as caught:
        templating.save(lead, audience, phase, sources, sample_context(audience))
    db.session.rollback()
    assert templating.stored(audience, phase) is None
    assert template_count() == 0 and audit_count() == before
    return caught.value.message


def insert_row(audience: str = "customers", phase: str = "investigating", **fields) -> None:
    """A stored template written straight to the table, past save()'s checks."""
    db.session.add(
        MessageTemplate(
            audience_key=audience, phase=phase, **{**defaults(audience, phase), **fields}
        )
    )
    db.session.commit()


def test_a_valid_edit_is_stored_audited_and_used(app, lead):
    sources = defaults()
    sources["email_subject"] = "We're on it: {{ incident.name|upper }}"
    templating.save(lead, "customers", "investigating", sources, sample_context("customers"))
    db.session.commit()
    row = templating.stored("customers", "investigating")
    assert row.updated_by_id == lead.id
    assert (
        db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))
        == "template.save"
    )
    texts = templating.render("customers", "investigating", sample_context("customers"))
    assert texts.source == "staff" and texts.error == ""
    assert texts.email_subject == "We're on it: CARD PAYMENTS FAILING"
    assert ("customers", "investigating", "staff") in templating.all_templates()


def test_a_syntax_error_is_refused_with_the_field_and_line(app, lead):
    sources = defaults()
    sources["email_body"] = "Hello,\n\n{% if facts.workaround %}\nTry this: {{ facts.workaround }}"
    message = refused(lead, sources)
    assert "email body, line 4" in message
    assert "endif" in message


def test_an_unclosed_expression_is_refused_with_the_line(app, lead):
    sources = defaults()
    sources["sms_text"] = "{{ page_name }}:\n{{ incident.name"
    assert "sms text, line 2" in refused(lead, sources)


def test_an_undefined_variable_is_refused_with_the_field_and_line(app, lead):
    sources = defaults()
    sources["page_text"] = "We're aware of a problem.\n\nNext update: {{ next_update_time }}"
    message = refused(lead, sources)
    assert "page text, line 3" in message
    assert "next_update_time" in message and "undefined" in message


def test_a_misspelt_attribute_is_refused_with_the_field_and_line(app, lead):
    sources = defaults()
    sources["email_subject"] = "Update: {{ incident.nmae }}"
    message = refused(lead, sources)
    assert "email subject, line 1" in message and "nmae" in message


def test_an_unknown_filter_is_refused(app, lead):
    sources = defaults()
    sources["page_text"] = "{{ incident.name|shout }}"
    assert "page text, line 1: No filter named 'shout'" in refused(lead, sources)


def test_a_template_without_page_text_is_refused(app, lead):
    sources = defaults()
    sources["page_text"] = "   "
    assert "needs a page text" in refused(lead, sources)


def test_an_unknown_audience_or_phase_is_refused(app, lead):
    with pytest.raises(ServiceError):
        templating.save(lead, "customers", "roll_call", defaults(), sample_context("customers"))
    with pytest.raises(ServiceError):
        templating.render("press", "escalation", sample_context("press"))
    assert template_count() == 0


@pytest.mark.parametrize(
    "attack",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ incident.__class__ }}",
        "{{ facts.summary.format.__self__ }}",
        "{% set x = ''.__class__ %}{{ x }}",
    ],
)
def test_a_template_that_reaches_out_of_the_sandbox_is_refused(app, lead, attack):
    sources = defaults()
    sources["page_text"] = "Hello\n" + attack
    message = refused(lead, sources)
    assert message.startswith("The template has errors: page text, line 2:")
    assert "unsafe" in message or "undefined" in message or "has no attribute" in message


def default_texts(audience: str = "customers", phase: str = "investigating") -> dict:
    return templating.render(audience, phase, sample_context(audience)).as_dict()


def test_a_sandbox_escape_stored_behind_save_s_back_fails_safely(app):
    expected = default_texts()
    insert_row(page_text="{{ cycler.__init__.__globals__ }}")
    texts = templating.render("customers", "investigating", sample_context("customers"))
    assert texts.source == "default" and texts.as_dict() == expected
    assert "page text, line 1" in texts.error and "unsafe" in texts.error
    assert "__globals__" not in texts.page_text


def test_a_stored_template_failing_at_render_time_falls_back_to_the_default(app):
    expected = default_texts()
    insert_row(email_body="Hello,\n{{ facts.summary }}\n{{ facts.no_such_fact }}")
    texts = templating.render("customers", "investigating", sample_context("customers"))
    assert texts.as_dict() == expected and texts.source == "default"
    assert texts.error == (
        "The customers template for Investigating failed (email body, line 3: 'dict object' "
        "has no attribute 'no_such_fact'); the default text was used."
    )


def test_a_stored_template_with_a_syntax_error_falls_back_to_the_default(app):
    expected = default_texts("press", "resolved")
    insert_row("press", "resolved", sms_text="{% for x in components %}{{ x }}")
    texts = templating.render("press", "resolved", sample_context("press"))
    assert texts.as_dict() == expected
    assert "(sms text, line 1:" in texts.error and "the default text was used" in texts.error


def test_reset_goes_back_to_the_default(app, lead):
    expected = default_texts("executives", "escalation")
    sources = defaults("executives", "escalation")
    sources["email_subject"] = "Heads up: {{ incident.name }}"
    templating.save(lead, "executives", "escalation", sources, sample_context("executives"))
    db.session.commit()
    edited = templating.render("executives", "escalation", sample_context("executives"))
    assert edited.source == "staff" and edited.email_subject == "Heads up: Card payments failing"

    templating.reset(lead, "executives", "escalation")
    db.session.commit()
    assert templating.stored("executives", "escalation") is None
    texts = templating.render("executives", "escalation", sample_context("executives"))
    assert texts.source == "default" and texts.as_dict() == expected
    assert ("executives", "escalation", "default") in templating.all_templates()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["template.save", "template.reset"]


def test_resetting_a_default_changes_nothing(app, lead):
    before = audit_count()
    templating.reset(lead, "customers", "resolved")
    db.session.commit()
    assert template_count() == 0 and audit_count() == before


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("{{ 'x' * 100000 }}", "repeating a text or a list"),
        ("{{ 20000 * 'ab' }}", "repeating a text or a list"),
        ("{{ ([1, 2] * 6000)|length }}", "repeating a text or a list"),
        ("{{ 'x' * 10**9 }}", "repeating a text or a list"),
        ("{{ 10 ** 100000 }}", "a number of more than 4,096 bits"),
        ("{% set n = 2 ** 4000 %}{{ n * n }}", "a number of more than 4,096 bits"),
    ],
)
def test_a_template_that_builds_something_huge_is_refused(app, lead, expression, words):
    sources = defaults()
    sources["email_body"] = "Hello,\n" + expression
    message = refused(lead, sources)
    assert message.startswith("The template has errors: email body, line 2:")
    assert words in message


def test_small_repetitions_and_powers_still_work(app, lead):
    sources = defaults()
    sources["page_text"] = "{{ '-' * 40 }}\n{{ 2 ** 10 }} {{ 3 * 4 }} {{ ['a'] * 3 }}"
    templating.save(lead, "customers", "investigating", sources, sample_context("customers"))
    db.session.commit()
    texts = templating.render("customers", "investigating", sample_context("customers"))
    assert texts.source == "staff" and not texts.error
    assert texts.page_text == "-" * 40 + "\n1024 12 ['a', 'a', 'a']"


def test_a_template_that_writes_too_much_is_refused(app, lead):
    sources = defaults()
    sources["sms_text"] = "{% for i in range(6000) %}0123456789{% endfor %}"
    message = refused(lead, sources)
    assert "sms text" in message and "longer than 50,000 characters" in message


def test_a_stored_template_that_writes_too_much_falls_back_to_the_default(app):
    expected = default_texts()
    insert_row(page_text="{% for i in range(99999) %}{{ i }}{% endfor %}")
    texts = templating.render("customers", "investigating", sample_context("customers"))
    assert texts.source == "default" and texts.as_dict() == expected
    assert "longer than 50,000 characters" in texts.error


@pytest.mark.parametrize(
    "loop",
    [
        "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}",
        "{% for a in range(99999) %}{% set n = range(99999)|sum %}{% endfor %}",
        "{% macro f(n) %}{% for i in range(n) %}{{ f(0) }}{% endfor %}{% endmacro %}"
        "{% for a in range(99999) %}{{ f(99) and '' }}{% endfor %}",
    ],
)
def test_a_template_that_loops_too_long_is_refused(app, lead, loop):
    sources = defaults()
    sources["email_body"] = "Hello,\n" + loop
    message = refused(lead, sources)
    assert message.startswith("The template has errors: email body, line 2:")
    assert "runs too long" in message


def test_a_stored_template_that_loops_too_long_falls_back_to_the_default(app):
    expected = default_texts()
    insert_row(
        page_text="{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"
    )
    texts = templating.render("customers", "investigating", sample_context("customers"))
    assert texts.source == "default" and texts.as_dict() == expected
    assert "runs too long" in texts.error


def test_the_budget_leaves_the_caller_s_trace_function_in_place(app):
    import sys

    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        templating.render("customers", "investigating", sample_context("customers"))
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


@pytest.mark.parametrize(
    "subject", ["Payments\n{{ incident.name }}", "{{ incident.name }}\u0007", "A\u2028B"]
)
def test_a_subject_template_that_renders_more_than_one_line_is_refused(app, lead, subject):
    sources = defaults()
    sources["email_subject"] = subject
    message = refused(lead, sources)
    assert "email subject: renders with a" in message and "one line" in message


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], ""),
        (["API"], "API"),
        (["API", "Web"], "API and Web"),
        (["A", "B", "C"], "A, B and C"),
        ("API", "API"),  # a single name, not its letters
    ],
)
def test_and_list_reads_like_a_sentence(items, expected):
    from app.comms.template_filters import and_list

    assert and_list(items) == expected


def test_the_defaults_name_several_components_as_a_sentence(app):
    context = sample_context("customers")
    context["components"] = ["Payouts", "Invoicing", "Checkout"]
    texts = templating.render("customers", "investigating", context)
    assert texts.page_text.startswith(
        "We're aware of a problem affecting Payouts, Invoicing and Checkout, and we are "
        "investigating."
    )


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("{{ ''|center(10**8) }}", "a width of 100,000,000"),
        ("{{ 'x'.ljust(10**8) }}", "a width of 100,000,000"),
        ("{{ 'x'.zfill(10**8) }}", "a width of 100,000,000"),
        ("{{ '%0100000000d'|format(1) }}", "the format '%0100000000d'"),
        ("{{ '%0100000000d' % 1 }}", "the format '%0100000000d'"),
        ("{{ '%*d' % (10**8, 1) }}", "a width of 100,000,000"),
        ("{{ '{:>100000000}'.format(1) }}", "the format '{:>100000000}'"),
        ("{{ '{:>{}}'.format(1, 10**8) }}", "a width of 100,000,000"),
        ("{% set s = 'ab' * 5000 %}{{ s|replace('a', s)|length }}", "that replace"),
        ("{% set s = 'ab' * 5000 %}{{ s.replace('a', s)|length }}", "that replace"),
        ("{% set t = 'a\\n' * 5000 %}{{ t|indent(100)|length }}", "that indent"),
        (
            "{% set ns = namespace(s='x' * 9999) %}{% for i in range(40) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
            "joining those with ~",
        ),
        (
            "{% set ns = namespace(s='x' * 9999) %}{% for i in range(40) %}"
            "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
            "joining those",
        ),
    ],
)
def test_a_template_that_pads_formats_or_joins_something_huge_is_refused(
    app, lead, expression, words
):
    sources = defaults()
    sources["email_body"] = "Hello,\n" + expression
    message = refused(lead, sources)
    assert message.startswith("The template has errors: email body, line 2:")
    assert words in message and "more than 50,000 characters" in message


def test_ordinary_padding_formatting_and_joining_still_work(app, lead):
    sources = defaults()
    sources["page_text"] = (
        "[{{ 'x'|center(5) }}] {{ '%5.1f'|format(3.14159) }} {{ 'a' ~ 'b' }} {{ 'a' + 'b' }} "
        "{{ 'abc'|replace('b', 'x') }} {{ '{:>3}'.format('a') }} {{ '%d%%' % 5 }} "
        "{{ 3 + 4 }} {{ 7 % 3 }} {{ [1] + [2] }} {{ 'ab'.replace('a', 'z') }} "
        "{{ '%d' % 120000 }} {{ '{} paid'.format(120000) }}"
    )
    templating.save(lead, "customers", "investigating", sources, sample_context("customers"))
    db.session.commit()
    texts = templating.render("customers", "investigating", sample_context("customers"))
    assert texts.source == "staff" and not texts.error
    assert texts.page_text == "[  x  ]   3.1 ab ab axc   a 5% 7 1 [1, 2] zb 120000 120000 paid"
