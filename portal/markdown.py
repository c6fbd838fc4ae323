"""The only place where text written by a person becomes HTML."""

import hashlib
import html
import threading
from functools import lru_cache

import markdown as python_markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer ugc"
# The same text always gives the same HTML, so recent results are kept (a page of comments is
# rendered once per process, not once per view); long texts are not kept, to bound the memory.
CACHED_TEXTS = 2048
CACHED_LENGTH = 4000

# A one-line summary of a text: meta descriptions, shared-link cards.
SUMMARY_LENGTH = 160

_converters = threading.local()


def render_markdown(text: str) -> Markup:
    """Markdown to sanitised HTML: no scripts, styles, images, iframes or event handlers."""
    text = text or ""
    if len(text) <= CACHED_LENGTH:
        return Markup(_rendered(text))
    return Markup(_render(text))


@lru_cache(maxsize=CACHED_TEXTS)
def _rendered(text: str) -> str:
    return _render(text)


def _render(text: str) -> str:
    # Building a Markdown parser costs more than converting a comment: one per thread, reset.
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = python_markdown.Markdown(extensions=EXTENSIONS, output_format="html")
        _converters.markdown = converter
    html = converter.reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )


def rendering_fingerprint() -> str:
    """What decides the HTML a text becomes: the rules above and the versions of the two
    libraries that apply them. Rows keep rendered HTML (comments, release notes); when this
    changes, they are rendered again (portal/stored_html.py)."""
    from importlib.metadata import version

    rules = repr((
        sorted(ALLOWED_TAGS), EXTENSIONS, sorted((tag, sorted(names)) for tag, names
                                                 in ALLOWED_ATTRIBUTES.items()),
        sorted(URL_SCHEMES), LINK_REL, version("nh3"), version("markdown"),
    ))  # fmt: skip
    return hashlib.sha256(rules.encode()).hexdigest()[:16]


def plain_text(markdown_text: str, limit: int = SUMMARY_LENGTH) -> str:
    """Markdown as the words a reader sees, without syntax or HTML, shortened to `limit`."""
    # Rendering first lets Markdown decide what is syntax; the sanitiser then drops every tag
    # (and the content of scripts and styles) and the entities are turned back into text.
    return html_text(render_markdown(markdown_text), limit)


def html_text(rendered: str, limit: int = SUMMARY_LENGTH) -> str:
    """Sanitised HTML as the words a reader sees, shortened to `limit`."""
    return shorten(html.unescape(nh3.clean(str(rendered), tags=set())), limit)


def shorten(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """One line of at most `limit` characters, cut at a word with an ellipsis when longer."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" .,;:-") + "…"
