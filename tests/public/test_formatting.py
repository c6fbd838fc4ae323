"""Dates, times and ages are formatted once per value and language and remembered: what a page
shows must be what Babel would have written, in the viewer's language."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from flask import render_template_string

NOW = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)
AGES = [0, 0.3, 1.5, 44, 59.7, 60, 89.9, 90.1, 3599.9, 5400, 84_600, 86_399, 86_400, 129_600,
        600_000, 2_591_999, 2_592_000, 40_000_000, 31_535_999, 400_000_000]  # fmt: skip


@pytest.mark.parametrize("language", ["en", "zh"])
def test_ages_dates_and_times_read_as_babel_writes_them(app, language):
    with (
        time_machine.travel(NOW, tick=False),
        app.test_request_context("/", headers={"Accept-Language": language}),
    ):
        for seconds in AGES:
            moment = NOW - timedelta(seconds=seconds)
            for _twice in range(2):  # the second time comes from what was remembered
                shown = render_template_string(
                    "{{ m|age }}|{{ m|dateformat }}|{{ m|datetimeformat('short') }}", m=moment
                )
                assert shown.split("|") == [
                    format_timedelta(timedelta(seconds=seconds), threshold=1.0, locale=language),
                    format_date(moment, format="medium", locale=language),
                    # one format per language: the medium date with the short time
                    str(Locale.parse(language).datetime_formats["medium"]).format(
                        format_time(moment, format="short", locale=language),
                        format_date(moment, format="medium", locale=language),
                    ),
                ], seconds
