"""linkify: real links, addresses and order mentions become links, everything else stays escaped text.

Its cost is linear in the text (measured in tests/benchmarks/run.py --only text: 10k vs 40k
characters of hostile text); here only what it produces is checked.
"""

from __future__ import annotations

import pytest

from gui.views.thread_html import linkify, order_numbers


@pytest.mark.parametrize(("text", "html"), [
    ("see https://example.com/a?b=1&c=2.", 'see <a href="https://example.com/a?b=1&amp;c=2">'
                                            "https://example.com/a?b=1&amp;c=2</a>."),
    ("(http://x.io/path)", '(<a href="http://x.io/path">http://x.io/path</a>)'),
    ("HTTPS://EXAMPLE.COM!", '<a href="HTTPS://EXAMPLE.COM">HTTPS://EXAMPLE.COM</a>!'),
    ("mail jane.doe+x@example.co.uk, thanks", 'mail <a href="mailto:jane.doe+x@example.co.uk">'
                                              "jane.doe+x@example.co.uk</a>, thanks"),
    ("Order #12345678 arrived", '<a href="order:12345678">Order #12345678</a> arrived'),
    ("order no. 1234", '<a href="order:1234">order no. 1234</a>'),
    ("order number   00012345", '<a href="order:12345">order number   00012345</a>'),
    ("<b>bold</b> & a@b", "&lt;b&gt;bold&lt;/b&gt; &amp; a@b"),
    ("line one\nline two", "line one<br>line two"),
    ("ftp://not.a.link and http:// alone", "ftp://not.a.link and http:// alone"),
])
def test_links_addresses_and_order_mentions_become_links_and_the_rest_is_escaped(text, html):
    assert linkify(text) == html


@pytest.mark.parametrize("text", [
    "a" * 40_000,
    ("0123456789abcdef" * 4_000),
    "x." * 20_000,
    "order" + " " * 20_000 + "x",
    "http://" + "." * 20_000,
    "+" * 40_000,
])
def test_long_hostile_runs_come_back_as_the_same_plain_text(text):
    assert linkify(text) == text


def test_a_link_after_a_long_run_is_still_found():
    text = "z" * 30_000 + " jane@example.com http://example.com/x order 98765432"
    out = linkify(text)
    assert out.startswith("z" * 30_000 + ' <a href="mailto:jane@example.com">')
    assert '<a href="http://example.com/x">' in out and '<a href="order:98765432">' in out


def test_an_address_inside_a_word_run_starts_where_the_run_starts():
    assert linkify("from:jane@example.com") == 'from:<a href="mailto:jane@example.com">jane@example.com</a>'
    assert linkify("x" * 1000 + "@example.com") == f'<a href="mailto:{"x" * 1000}@example.com">' \
        f'{"x" * 1000}@example.com</a>'


def test_order_mentions_are_found_across_spacing_and_texts():
    assert order_numbers("Order #12345678 and order no. 5555", None, "order" + " " * 5_000 + "7777") == \
        [12345678, 5555, 7777]
    assert order_numbers("x" * 9_000 + " order 8888") == []  # beyond what the thread shows of a message
