"""Money on staff pages: ARR in the workspace's currency, written as the viewer's language writes
money ("$1,200,000" in English, "US$1,200,000" in Chinese; "$1.2M" / "US$120万" when short)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from babel import Locale
from babel.numbers import format_compact_currency, format_currency
from flask import Flask, g
from flask_babel import get_locale

from portal.db import db
from portal.settings.service import get_currency


def workspace_currency() -> str:
    """The currency setting, read once per request."""
    currency = g.get("feedloop_currency")
    if currency is None:
        currency = g.feedloop_currency = get_currency(db.session)
    return currency


@functools.lru_cache(maxsize=8192)
def formatted_money(amount: int, currency: str, language: str, short: bool = False) -> str:
    """Whole units of `currency` (ARR has no cents), or compact ("$1.2M") when `short`."""
    if short:
        return format_compact_currency(amount, currency, locale=language, fraction_digits=2)
    pattern = Locale.parse(language).currency_formats["standard"].pattern
    whole = ";".join(part.replace(".00", "") for part in pattern.split(";"))
    return format_currency(amount, currency, format=whole, locale=language, currency_digits=False)


def register_money_filters(app: Flask) -> None:
    @app.template_filter("money")
    def money(amount) -> str:
        return formatted_money(int(amount or 0), workspace_currency(), str(get_locale()))

    @app.template_filter("money_short")
    def money_short(amount) -> str:
        return formatted_money(int(amount or 0), workspace_currency(), str(get_locale()), True)

    @app.template_global()
    def money_short_of_page() -> Callable[[int], str]:
        """money_short with the currency and language found once, for a list that shows an
        amount per row (finding them costs more than the lookup of the formatted amount)."""
        currency, language = workspace_currency(), str(get_locale())
        return lambda amount: formatted_money(int(amount or 0), currency, language, True)
