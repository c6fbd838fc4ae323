"""URLs for the rows of a list, built once per request and filled in per row.

`url_for` walks the URL map each time, which costs more than rendering a whole row of a list
(a board page asks for 60 links, a roadmap for 200). The URL of an endpoint is built once per
request with stand-in values, then each row's values take their place, encoded as the route's
converter would encode them.
"""

from __future__ import annotations

import functools

from flask import current_app, g, url_for

_FIRST_STAND_IN = 987_650_001  # digits no URL of ours has otherwise


def row_url(endpoint: str, **values) -> str:
    """url_for(endpoint, **values) for route parameters (ints and strings) of a list's rows."""
    templates = g.setdefault("row_url_templates", {})
    key = (endpoint, tuple(sorted(values)))
    template = templates.get(key)
    if template is None:
        template = templates[key] = _template(endpoint, sorted(values))
    if template is False:  # a stand-in did not show up once in the path: ask url_for
        return url_for(endpoint, **values)
    built, stand_ins = template
    for name, stand_in in stand_ins:
        built = built.replace(stand_in, _encoded(values[name]), 1)
    return built


def _template(endpoint: str, names: list[str]):
    stand_ins = {name: _FIRST_STAND_IN + index for index, name in enumerate(names)}
    built = url_for(endpoint, **stand_ins)
    path = built.split("?", 1)[0]
    if any(path.count(str(value)) != 1 for value in stand_ins.values()) or "?" in built:
        return False
    return built, [(name, str(value)) for name, value in stand_ins.items()]


def _encoded(value) -> str:
    if isinstance(value, int):
        return str(value)
    return _default_converter(current_app.url_map).to_url(value)


@functools.cache
def _default_converter(url_map):
    """The converter of a string route part, made once per URL map (it keeps no state)."""
    return url_map.converters["default"](url_map)
