"""Chapter notes: Markdown in, HTML that is safe to insert out — raw HTML shows as text, script-bearing links
and attributes never survive, ordinary Markdown still renders."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tutorhub.services.courses.notes import render_notes


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("markdown", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">y</a>',
    "<iframe src=https://example.com></iframe>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[d](data:text/html;base64,PHNjcmlwdD4=)",
    '[t](https://example.com "a\\" onmouseover=\\"alert(1)")',
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
])
def test_raw_html_and_script_links_never_come_out_as_markup(markdown):
    tags = _tags(render_notes(markdown))
    assert {tag for tag, _ in tags} <= {"p", "a", "code"}, tags
    for _tag, attrs in tags:
        assert all(not name.startswith("on") and name != "style" for name, _ in attrs), attrs
        assert all(not (value or "").strip().lower().startswith(("javascript:", "data:")) for _, value in attrs), attrs


def test_markdown_still_renders():
    html = render_notes("# Title\n\n**bold** *em* `<b>`\n\n- one\n- two\n\n[site](https://example.com)\n\n| a |\n|---|\n| b |")
    for piece in ("<h1>Title</h1>", "<strong>bold</strong>", "<em>em</em>", "<code>&lt;b&gt;</code>", "<li>one</li>",
                  '<a href="https://example.com" rel="noopener noreferrer">site</a>', "<td>b</td>"):
        assert piece in html, piece
    assert "&lt;script&gt;" in render_notes("<script>x</script>")  # shown as text
