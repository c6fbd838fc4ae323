"""Every admin page reads in Chinese for a Chinese-speaking admin: no English left over from
code (the score card's "6 organisations, ARR …"), no raw codes (`collect`, `public`, `now`).

The check is general: every page of the admin area is rendered in Chinese, and the Latin words
of its visible text must each come from the data (names, titles, emails: every text column of
the database) or from a short list of names that stay as they are (Feedloop, ARR, SLA…)."""

from __future__ import annotations

import html as html_lib
import re

from sqlalchemy import String, Text, select

from portal.db import Base
from portal.ideas import service as ideas
from portal.ideas.models import Idea, Severity
from portal.lifecycle.service import move_idea
from portal.lifecycle.stages import Horizon, Stage
from portal.priority import service as priority
from portal.priority.models import PriorityFactor
from portal.roadmap.service import place_on_roadmap
from portal.settings.service import update_time_zone
from tests.security.test_route_matrix import build, walked_routes

# Names, units and formats that read the same in Chinese.
KEPT = {
    "feedloop", "arr", "sla", "iana", "csv", "api", "nps", "utc", "markdown", "html", "url",
    "europe", "paris", "asia", "shanghai", "etc", "rss", "atom", "okta", "azure", "sso",
    "usd", "eur", "gbp", "cny", "jpy", "chf", "cad", "aud", "sgd", "inr", "english", "us",
    "ctrl", "mac", "s1", "s2", "s3", "s4",
    "png", "jpeg", "gif", "webp", "mb", "bdb",  # image formats, sizes, "#3b5bdb" (branding)
}  # fmt: skip
# Raw codes that must never show to a person, in any language.
RAW_CODES = {
    "collect", "analyze", "execute", "verify", "declined", "merged", "customers",
    "organisations", "internal", "benefit", "cost", "rating", "demand", "persistence",
    "freshness", "plan", "public", "now", "later",
}  # fmt: skip

_HIDDEN = re.compile(r"<(script|style|template|datalist|title)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


def visible_words(page: str) -> set[str]:
    """The Latin words a person reads on the page, as written (case kept)."""
    text = html_lib.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", page)))
    text = re.sub(r"\S+@\S+|https?://\S+|/\S*", " ", text)  # addresses and paths
    return {word.strip("'’") for word in _WORD.findall(text)}


def untranslated(words: set[str], data: set[str]) -> list[str]:
    """Words neither from the data nor kept; a raw code (lower case, as stored) counts as data
    only where the data has it written just so ("Secret-free internal idea")."""
    allowed = KEPT | {word.lower() for word in data}
    return sorted(
        word
        for word in words
        if (word in RAW_CODES and word not in data) or word.lower() not in allowed
    )


def words_in_the_data(session) -> set[str]:
    found = set()
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for value in row:
                if isinstance(value, str):
                    found |= {w.strip("'’") for w in _WORD.findall(value)}
    return found


def richer(world, make, session):
    """Demand, ratings, a move history, a roadmap place and audit entries on the public idea."""
    admin = world.people["admin"]
    idea = session.get(Idea, world.things[next(iter(world.things))].idea_id)
    for voter in (world.people["member"], world.people["outsider"]):
        ideas.cast_vote(session, idea=idea, voter=voter)
    for factor in session.scalars(select(PriorityFactor).where(PriorityFactor.source == "rating")):
        priority.rate_idea(session, idea=idea, factor_id=factor.id, value=1, actor=admin)
    move_idea(session, idea=idea, actor=admin, target=Stage.analyze)
    move_idea(session, idea=idea, actor=admin, target=Stage.plan, horizon=Horizon.next)
    place_on_roadmap(session, idea=idea, actor=admin, horizon=Horizon.next, target_date=None)
    idea.severity = Severity.s2
    update_time_zone(session, actor=admin, time_zone="Asia/Shanghai")
    session.commit()


def test_every_admin_page_reads_in_chinese(world, make, session, client, sign_in, app):
    richer(world, make, session)
    admin = world.people["admin"]
    admin.language = "zh"
    session.commit()
    sign_in(admin)
    data = words_in_the_data(session)
    params = world.params_for(next(iter(world.things)))
    leftovers = {}
    pages = 0
    for rule, method in walked_routes(app):
        if method != "GET" or not rule.rule.startswith("/admin"):
            continue
        url = build(rule, params)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        pages += 1
        english = untranslated(visible_words(response.text), data)
        if english:
            leftovers[url] = english
    assert pages >= 20
    assert leftovers == {}, "\n".join(f"{u}: {w}" for u, w in leftovers.items())
