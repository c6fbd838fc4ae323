"""Input is bounded at the edge (ARCHITECTURE.md, habit 20): ids in paths, numbers in query
strings and forms, and the characters a text may hold. Nothing a person can type or put in a URL
reaches the database unchecked or produces a server error.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from babel import support
from flask import abort, current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import NumberRange

# Ids are 32-bit integers on every backend we run on.
MAX_ID = 2**31 - 1
MAX_PAGE = 10_000

# C0 controls but tab and line feed, DEL; carriage returns are folded into line feeds first.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Bidirectional embeddings, overrides and isolates: they make "txt.exe" read as "exe.txt".
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: a number past any id is simply not found (404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def id_in_range() -> NumberRange:
    """Form validator for a field holding an id."""
    return NumberRange(min=1, max=MAX_ID, message=_l("There is no such number."))


def int_arg(name: str, default: int | None, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """An integer query argument; absent or unreadable gives `default`, others are clamped."""
    value = request.args.get(name, type=int)
    if value is None:
        return default
    return min(max(value, minimum), maximum)


def page_arg() -> int:
    return int_arg("page", 1, 1, MAX_PAGE)


def ids_in(values: list[str]) -> list[int]:
    """The well-formed ids among submitted values (a bulk selection), the rest ignored."""
    return [int(v) for v in values if v.isdigit() and 0 < int(v) <= MAX_ID]


def clean_text(value: str | None, *, multiline: bool, verbatim: bool = False) -> str | None:
    """Text as a person meant it: no control or bidi-override characters, line breaks as \\n
    (none in a one-line field), and no blank or zero-width characters at either end — which
    a `verbatim` text (a customer's own words) keeps."""
    if not isinstance(value, str):
        return value
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    text = _BIDI_CONTROL.sub("", _CONTROL.sub("", text))
    return text if verbatim else _strip_invisible(text)


def _strip_invisible(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def _invisible(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


class VerbatimTextAreaField(TextAreaField):
    """A text kept as typed, blanks at the ends included (only unstorable characters go)."""


class Form(FlaskForm):
    """Every form's base: text fields are cleaned before any validator sees them, so a title
    of spaces and zero-width characters is empty, and no control character is ever stored."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                multiline = issubclass(field_class, TextAreaField)
                verbatim = issubclass(field_class, VerbatimTextAreaField)
                filters = list(options.get("filters", unbound_field.kwargs.get("filters", ())))
                filters.append(
                    lambda value: clean_text(value, multiline=multiline, verbatim=verbatim)
                )
                options["filters"] = filters
            return super().bind_field(form, unbound_field, options)

        def get_translations(self, form):
            # Flask-WTF reads WTForms' catalogue from disk for every request; it never changes.
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return _wtforms_translations(str(get_locale()))


@functools.cache
def _wtforms_translations(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def refuse_unstorable_input() -> None:
    """before_request: a NUL byte has no place in any text and PostgreSQL cannot store one."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400, description=_l("The request contains a character that cannot be stored."))
