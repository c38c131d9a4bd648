"""Chapter notes: Markdown rendered to HTML that is safe to show as is.

Two layers, because either alone has gaps: markdown-it renders with raw HTML turned off (a `<script>`
in the notes comes out as text) and refuses `javascript:` links, then nh3 (the Rust `ammonia`
sanitizer) keeps only an allow-list of tags and attributes and adds `rel="noopener noreferrer"`.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
         "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render_notes(markdown: str) -> str:
    """Sanitized HTML for a chapter's Markdown notes."""
    return nh3.clean(_MD.render(markdown or ""), tags=_TAGS, attributes=_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
