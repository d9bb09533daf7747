"""The one HTML-to-text converter (sayso/core/html_text.py) that email and feeds share: it keeps
paragraphs, list items and link targets, drops scripts and styles, collapses the source's layout
whitespace, and gives text (never markup) back."""

from pathlib import Path

from sayso.core.html_text import MAX_MARKUP_CHARS, html_to_text

INDENTED = """
<html>
  <head><style>p { color: red }</style><script>alert("x")</script></head>
  <body>
    <div>
        <div>
            <p>Hello   <b>Dana</b>,
               your order   has shipped.</p>
            <ul>
                <li>one kettle</li>
                <li>two <a href="https://shop.example.org/track/1">tracking</a></li>
            </ul>
            <ol><li>first</li><li>second</li></ol>
            <p>Thanks</p>
        </div>
    </div>
  </body>
</html>
"""


def test_paragraphs_lists_and_links_are_kept() -> None:
    text = html_to_text(INDENTED)
    assert text == (
        "Hello Dana, your order has shipped.\n\n"
        "  * one kettle\n"
        "  * two tracking (https://shop.example.org/track/1)\n"
        " 1. first\n"
        " 2. second\n\n"
        "Thanks"
    )


def test_script_and_style_are_dropped() -> None:
    text = html_to_text(INDENTED)
    assert "alert" not in text
    assert "color" not in text


def test_layout_whitespace_is_collapsed() -> None:
    markup = "<div>" + "\n" + ("        <p>word word word</p>\n" * 50) + "</div>"
    text = html_to_text(markup)
    whitespace = sum(ch.isspace() for ch in text)
    assert whitespace / len(text) < 0.25
    assert "  " not in text


def test_escaped_markup_comes_out_as_text_not_as_tags() -> None:
    assert html_to_text("<p>History of the &lt;blink&gt; tag</p>") == "History of the <blink> tag"
    assert html_to_text("Fish &amp; chips") == "Fish & chips"


def test_a_link_whose_text_shows_its_target_is_not_repeated() -> None:
    markup = (
        '<p><a href="https://example.org/a">https://example.org/a</a> '
        '<a href="mailto:help@example.org">help@example.org</a> '
        '<a href="#top">top</a> <a href="javascript:alert(1)">click</a></p>'
    )
    assert html_to_text(markup) == "https://example.org/a help@example.org top click"


def test_image_alt_text_is_kept() -> None:
    assert html_to_text('<p>Our new logo <img src="x.png" alt="a blue bird"></p>') == (
        "Our new logo [a blue bird]"
    )


def test_broken_or_empty_input_never_raises() -> None:
    assert html_to_text("") == ""
    assert html_to_text("   \n ") == ""
    assert html_to_text("<<<>>>&") == "<<<>>>&"
    assert html_to_text("\x00<p>a\x00b</p>") == "ab"
    assert html_to_text('<?xml version="1.0" encoding="utf-8"?><p>x</p>') == "x"
    assert html_to_text("<p>" * 5000 + "deep") == "deep"


def test_plain_text_keeps_its_own_lines() -> None:
    assert html_to_text("line one\nline two\n\n\n\nafter") == "line one\nline two\n\nafter"


def test_connectors_and_email_use_the_same_converter_and_there_is_no_other() -> None:
    from sayso.conversations import email_parsing
    from sayso.listening.connectors import mastodon, rss

    assert rss.html_to_text is mastodon.html_to_text is email_parsing.html_to_text is html_to_text
    sayso = Path(__file__).resolve().parents[2] / "sayso"
    defined = [
        path.relative_to(sayso).as_posix()
        for path in sayso.rglob("*.py")
        if "def html_to_text(" in path.read_text(encoding="utf-8")
    ]
    assert defined == ["core/html_text.py"]


def test_hashtags_and_mentions_keep_only_their_text() -> None:
    markup = (
        '<p>Booked with <a href="https://m.example/tags/haulright" class="mention hashtag" '
        'rel="tag">#<span>haulright</span></a> cc <span class="h-card"><a '
        'href="https://m.example/@dana" class="u-url mention">@<span>dana</span></a></span></p>'
    )
    assert html_to_text(markup) == "Booked with #haulright cc @dana"


def test_text_nested_deeper_than_the_html_parser_goes_is_still_read() -> None:
    markup = "<div>" * 1000 + "<p>hello</p><script>x()</script><p>two &amp; <b>three</b></p>"
    assert html_to_text(markup) == "hello\n\ntwo & three"


def test_only_the_first_part_of_huge_markup_is_laid_out() -> None:
    row = "<tr><td>a</td><td>b</td></tr>"
    text = html_to_text("<table>" + row * (2 * MAX_MARKUP_CHARS // len(row)) + "</table>")
    assert text.startswith("a  b\na  b")
    assert text.count("a  b") <= MAX_MARKUP_CHARS // len(row) + 1
