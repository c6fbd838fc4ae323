#!/usr/bin/env bash
# Re-extract the UI strings and merge them into the Simplified Chinese catalogue.
# Translate the new or fuzzy entries in translations/zh/LC_MESSAGES/messages.po afterwards;
# tests/test_i18n.py fails while any string lacks a translation.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract --no-location --omit-header -F babel.cfg -k _l -k lazy_gettext \
  -o translations/messages.pot . >/dev/null
.venv/bin/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations -l zh
