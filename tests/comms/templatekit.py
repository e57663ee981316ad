"""Templates that would build a huge text, each with words of the message that refuses
it: the payloads of the security review and more of the same kind. Each is one line,
after ``SETUP`` (a 10,000-character text ``s``, the most "*" may build at once)."""

from __future__ import annotations

import pytest

SETUP = "{% set s = 'x' * 10000 %}"
TOO_BIG = "more than 50,000 characters"

HUGE = [
    pytest.param(payload, words, id=name)
    for name, payload, words in [
        ("join filter", "{{ ([s] * 5000)|join }}", TOO_BIG),
        ("join filter with a separator", "{{ (['a'] * 5000)|join(s) }}", TOO_BIG),
        ("str.join", "{{ ''.join([s] * 5000)|length }}", TOO_BIG),
        ("str.join with a long separator", "{{ s.join(['a'] * 5000)|length }}", TOO_BIG),
        ("str.translate", "{{ s.translate({120: s})|length }}", "str.translate is not allowed"),
        (
            "wordwrap's wrapstring",
            "{{ ('x ' * 5000)|wordwrap(1, wrapstring=s)|length }}",
            "that wordwrap",
        ),
        (
            "format_map with a nested width",
            "{{ '{a:{w}}'.format_map({'a': 1, 'w': 100000000})|length }}",
            "a width of 100,000,000",
        ),
        (
            "format_map writing one value many times",
            "{{ ('{a}' * 3000).format_map({'a': s})|length }}",
            "that format",
        ),
        ("expandtabs", "{{ ('\\t' * 5000).expandtabs(10000)|length }}", "that expandtabs"),
        ("sum of lists", "{{ ([[s] * 100] * 100)|sum(start=[])|length }}", "sum adds only numbers"),
        ("lipsum", "{{ lipsum(2000)|length }}", "'lipsum' is undefined"),
        ("a text times a number", "{{ (s * 10000)|length }}", "repeating a text"),
        ("a chain of repeats", "{{ ('x' * 5000 * 5000)|length }}", "repeating a text"),
        (
            "a chain of replaces",
            "{{ s|replace('x', 'xx')|replace('x', 'xx')|replace('x', 'xx')|length }}",
            "that replace",
        ),
        ("center", "{{ s|center(10**9) }}", "a width of 1,000,000,000"),
        ("a brace format width", "{{ '{:>999999999}'.format(1) }}", "the format '{:>999999999}'"),
        (
            "a brace format precision",
            "{{ '{:.99999}'.format(1.5)|length }}",
            "the format '{:.99999}'",
        ),
        ("indent", "{{ s|indent(width=10**8) }}", "that indent"),
        ("batch", "{{ (s|list)|batch(10**9, 'x')|list|length }}", "a batch size of 1,000,000,000"),
        ("slice", "{{ (s|list)|slice(10**9)|list|length }}", "a slice count of 1,000,000,000"),
        ("range", "{{ range(10**9)|list|length }}", "Range too big"),
        (
            "nested loops",
            "{% for a in range(9000) %}{% for b in range(9000) %}{{ s }}{% endfor %}{% endfor %}",
            "longer than 50,000 characters",
        ),
        (
            "a filter block",
            "{% filter upper %}{% for i in range(9000) %}{{ s }}{% endfor %}{% endfilter %}",
            TOO_BIG,
        ),
        (
            "a macro",
            "{% macro m() %}{% for i in range(9000) %}{{ s }}{% endfor %}{% endmacro %}"
            "{{ m()|length }}",
            TOO_BIG,
        ),
        (
            "a set block",
            "{% set t %}{% for i in range(9000) %}{{ s }}{% endfor %}{% endset %}{{ t|length }}",
            TOO_BIG,
        ),
        ("pprint", "{{ ([s] * 5000)|pprint|length }}", "the filter 'pprint' is not allowed"),
        ("xmlattr", "{{ dict(x=s)|xmlattr }}", "the filter 'xmlattr' is not allowed"),
        (
            "urlize",
            "{{ ('a.com ' * 1000)|urlize(target=s)|length }}",
            "the filter 'urlize' is not allowed",
        ),
        ("a list written out", "{{ [s] * 5000 }}", TOO_BIG),
        ("a list as a string", "{{ ([s] * 5000)|string|length }}", TOO_BIG),
        ("a list joined with ~", "{{ (([s] * 5000) ~ '')|length }}", TOO_BIG),
        ("a list in a test", "{{ ([s] * 5000) is lower }}", TOO_BIG),
        ("a list through upper", "{{ ([s] * 5000)|upper|length }}", TOO_BIG),
        ("a list as a sentence", "{{ ([s] * 5000)|and_list|length }}", TOO_BIG),
        ("a list repr'd by format", "{{ '{0!r}'.format([s] * 5000)|length }}", TOO_BIG),
        ("a percent format of a list", "{{ ('%s' % ([s] * 5000))|length }}", TOO_BIG),
        ("a percent format by name", "{{ (('%(a)s' * 2000) % {'a': s})|length }}", TOO_BIG),
        ("a percent width", "{{ '%-*s' % (10**8, 'x') }}", "a width of 100,000,000"),
        ("a percent precision", "{{ ('%.99999f' % 1.5)|length }}", TOO_BIG),
        ("the format filter", "{{ ('%s%s%s%s%s%s'|format(s, s, s, s, s, s))|length }}", TOO_BIG),
        (
            "many texts each allowed",
            "{{ ([s] * 5000)|map('upper')|list|length }}",
            "more than 1,000,000 characters of text in all",
        ),
        # Found in review: lists copied again and again, and keys made of every item.
        (
            "lists of lists copied",
            "{% set a = [1] * 10000 %}{% set x = a + a + a + a + a %}{% set b = [x] * 10000 %}"
            "{% set l = b + b + b + b + b %}{{ l|map('list')|list|length }}",
            "more than 1,000,000 characters of text in all",
        ),
        (
            "ranges made lists",
            "{{ ([range(100000)] * 10000)|map('list')|list|length }}",
            "more than 1,000,000 characters of text in all",
        ),
        (
            "a sort that lower-cases every item",
            "{% set t = [s|center(50000)] * 10000 %}{{ (t + t)|sort|length }}",
            "more than 1,000,000 characters of text in all",
        ),
        (
            "unique over long texts",
            "{% set t = [s|center(50000)] * 10000 %}{{ (t + t)|unique|list|length }}",
            "more than 1,000,000 characters of text in all",
        ),
        (
            "a type's own method",
            "{{ dict.fromkeys(range(100000))|length }}",
            "of 'type' object is unsafe",
        ),
    ]
]
