"""Full-text search of ideas: the one index behind board search and similar-idea suggestions.

How text becomes words, the same way for what is indexed and for what is asked:
- case folded, accents removed (cafe finds café), NFKC (full-width letters are letters);
- words are runs of letters and digits; a query word of three or more letters also finds the
  words it begins ("expor" finds "export");
- Chinese (and Japanese, Korean) has no spaces, so a run of those characters is indexed as its
  overlapping pairs plus its last character: 导出数据 -> 导出 出数 数据 据. A query of two or more
  such characters is the phrase of its pairs (导出 finds 支持导出数据; 导出数据 needs the four
  characters in a row), a single character finds the pairs it begins. No dictionary, so no
  segmentation that would differ between the idea and the query.

The words are stored in `search_entry` (one row per idea, written here from an ORM hook on Idea:
every writer of an idea, service, factory or demo, keeps it without thinking of it; bulk loaders
call `index_all`). The database indexes that table: FTS5 on SQLite, a GIN index of a generated
weighted tsvector on PostgreSQL. A query matches ideas containing ANY of its words; ideas with
more of them, then with them in the title, rank first (the same score on both databases).

Cost is bounded at any size: only the newest CANDIDATES ideas matching in the index are ranked
(the index walks its matches from the newest down and stops), then the caller applies the
visibility rule and its filters to those. When more match, the page says "more than".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    cast,
    column,
    func,
    insert,
    literal_column,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from portal.ideas.models import (
    SEARCH_DOCUMENT_COLUMN,
    SEARCH_FTS_TABLE,
    Idea,
    SearchEntry,
    SearchWord,
)

CANDIDATES = 1000  # the most ideas ranked for one query (as many as a list counts)
SIMILAR_CANDIDATES = 100  # for five suggestions while typing, the newest 100 matches
MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_WORD_CHARS = 60
MIN_PREFIX_CHARS = 3  # "ex*" would expand to half the vocabulary
COMPLETIONS = 6
MAX_STORED_WORD = 200  # search_word.word's length  # indexed words tried for one prefix
MAX_INDEXED_CHARS = 20_000  # a body longer than the form allows is indexed by its beginning

# Scripts written without spaces between words: Han, kana, Hangul and their extensions.
_CJK = (
    "\u2e80-\u2fdf\u3005\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
_WORDS = re.compile(rf"[{_CJK}]+|(?:(?![{_CJK}])[^\W_])+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")

# Words too common in idea titles to tell one from another (similar ideas drops them).
STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "to",
        "of",
        "for",
        "in",
        "on",
        "with",
        "is",
        "it",
        "be",
        "can",
        "add",
        "allow",
        "support",
        "please",
        "when",
        "from",
        "we",
        "i",
        "my",
        "our",
        "us",
        "be",
        "should",
        "would",
        "could",
        "need",
        "want",
        "have",
        "has",
        "this",
        "that",
        "as",
        "at",
        "by",
    ]
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", text)


def _words(text: str) -> list[str]:
    return _WORDS.findall(_fold(text))


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def index_text(text: str) -> str:
    """What the index stores for `text`: folded words, CJK runs as pairs, space-separated."""
    tokens: list[str] = []
    for word in _words(text[:MAX_INDEXED_CHARS]):
        tokens.extend(_pairs(word) if _CJK_RUN.fullmatch(word) else [word])
    return " ".join(tokens)


@dataclass(frozen=True)
class Term:
    """One thing asked for: a word (maybe a prefix) or a phrase of CJK pairs."""

    tokens: tuple[str, ...]
    prefix: bool

    @property
    def word(self) -> str:
        return self.tokens[0]

    def fts5(self) -> str:
        # Tokens are letters and digits only, so a double-quoted string cannot break out.
        return '"' + " ".join(self.tokens) + '"' + ("*" if self.prefix else "")

    def tsquery(self, weights: str = "") -> str:
        marks = (":*" if self.prefix else ":" if weights else "") + weights
        parts = [f"'{token}'{marks}" for token in self.tokens]
        return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


def parse(text: str, *, stopwords: frozenset[str] = frozenset(),
          cjk_pairs: bool = False) -> list[Term]:  # fmt: skip
    """The terms of a query typed by anyone: at most MAX_TERMS, never query syntax. A run of
    Chinese is one phrase of its pairs, or with `cjk_pairs` each pair a term of its own (a
    title typed as a sentence: 导出仓库报表 shares 仓库 with an idea)."""
    terms: list[Term] = []
    for word in _words(text[:MAX_QUERY_CHARS]):
        if word in stopwords:
            continue
        if _CJK_RUN.fullmatch(word) and len(word) > 1:
            pairs = _pairs(word)[:-1]
            found = [Term((p,), False) for p in pairs] if cjk_pairs else [Term(tuple(pairs), False)]
        elif _CJK_RUN.fullmatch(word):
            found = [Term((word,), True)]
        else:
            word = word[:MAX_WORD_CHARS]
            found = [Term((word,), len(word) >= MIN_PREFIX_CHARS)]
        terms.extend(term for term in found if term not in terms)
    return terms[:MAX_TERMS]


def _complete(session: Session, terms: list[Term]) -> list[Term]:
    """Prefix terms replaced by the indexed words they begin (at most COMPLETIONS each, the
    shortest first), found in search_word with one statement; other terms unchanged."""
    prefixes = [term.word for term in terms if term.prefix]
    if not prefixes:
        return terms
    bounds = {}
    for i, p in enumerate(prefixes):
        bounds[f"search_from{i}"] = p
        bounds[f"search_to{i}"] = p[:-1] + chr(ord(p[-1]) + 1)
    words = list(session.scalars(_completions(len(prefixes)), bounds))
    completed: list[Term] = []
    for term in terms:
        if not term.prefix:
            completed.append(term)
            continue
        begun = sorted((w for w in words if w.startswith(term.word)), key=lambda w: (len(w), w))
        completed.extend(Term((w,), False) for w in begun[:COMPLETIONS])
    return list(dict.fromkeys(completed))


@functools.lru_cache(maxsize=MAX_TERMS)
def _completions(prefixes: int):
    """The words of search_word in each of `prefixes` ranges (search_from{i} <= word <
    search_to{i}), COMPLETIONS each: one statement, built once per number of prefixes."""
    ranges = [
        select(
            select(SearchWord.word)
            .where(SearchWord.word >= bindparam(f"search_from{i}", type_=String),
                   SearchWord.word < bindparam(f"search_to{i}", type_=String))
            .order_by(SearchWord.word)
            .limit(COMPLETIONS)
            .subquery()
        )
        for i in range(prefixes)
    ]  # fmt: skip
    return ranges[0] if len(ranges) == 1 else union_all(*ranges)


@dataclass(frozen=True)
class Found:
    """A search, ready to run: `shape` picks the statement (built once per shape and kept, see
    `statement`), `params` are the values of its search_* parameters."""

    shape: tuple
    params: dict

    @property
    def statement(self) -> Subquery:
        return _ranked_statement(*self.shape)


def find(session: Session, text: str, *, titles_only: bool = False,
         stopwords: frozenset[str] = frozenset(),
         candidates: int | None = None) -> Found | None:  # fmt: skip
    """The search for `text`: the ideas matching any of its words, as `Found.statement`, a
    subquery of (idea_id, rank) whose lower rank is a better match, run with `Found.params`.
    At most `candidates` + 1 rows: the newest matches in the index (one more tells the caller
    that more match). None when `text` has no word to look for.
    `titles_only` looks in titles only (similar ideas), without `stopwords`, and takes a run
    of Chinese as its pairs, any of which may match, rather than as one phrase.

    The caller joins it to Idea and applies the visibility rule and its own filters; it may
    keep the statement it builds on `Found.statement` per `Found.shape`."""
    terms = _complete(session, parse(text, stopwords=stopwords, cjk_pairs=titles_only))
    if not terms:
        return None
    candidates = CANDIDATES if candidates is None else candidates
    dialect = session.get_bind().dialect.name
    params: dict[str, object] = {"search_candidates": candidates, "search_limit": candidates + 1}
    for i, term in enumerate(terms):  # each term in titles (search_t*) and anywhere (search_a*)
        if dialect == "postgresql":
            params[f"search_t{i}"] = term.tsquery("A")
            if not titles_only:
                params[f"search_a{i}"] = term.tsquery()
        else:
            params[f"search_t{i}"] = f"{{title}} : {term.fts5()}"
            if not titles_only:
                params[f"search_a{i}"] = term.fts5()
    if dialect == "postgresql":  # any term: the matches
        params["search_match"] = " | ".join(t.tsquery("A" if titles_only else "") for t in terms)
    else:
        anywhere = " OR ".join(term.fts5() for term in terms)
        params["search_match"] = f"{{title}} : ({anywhere})" if titles_only else anywhere
    return Found((dialect, len(terms), titles_only), params)


def ranked(session: Session, text: str, *, titles_only: bool = False,
           stopwords: frozenset[str] = frozenset(),
           candidates: int | None = None) -> Subquery | None:  # fmt: skip
    """`find`'s subquery with its values bound, for a caller that builds its statement for
    each request."""
    found = find(session, text, titles_only=titles_only, stopwords=stopwords,
                 candidates=candidates)  # fmt: skip
    if found is None:
        return None
    return found.statement.element.params(found.params).subquery("search")


# How a match ranks, the same on both databases: first by how many of the query's terms the
# idea contains, then by how many of them are in its title (the caller breaks ties by votes).
# bm25 and ts_rank were tried: both count every idea a word matches to weigh it (its rarity),
# work that grows with the ideas, where this score looks only at the candidates.
# More than a search can have terms once its word beginnings are completed: one more term found
# outweighs every title hit.
COVERAGE = MAX_TERMS * COMPLETIONS + 1


@functools.lru_cache(maxsize=2 * MAX_TERMS * COMPLETIONS)  # every shape: terms x titles_only
def _ranked_statement(dialect: str, terms: int, titles_only: bool) -> Subquery:
    """The statement of a search of `terms` terms, its words left as parameters (`find`):
    built once per shape, as statements cost more to build than to run."""
    if dialect == "postgresql":
        return _ranked_postgresql(terms, titles_only)
    return _ranked_sqlite(terms, titles_only)


def _ranked_sqlite(terms: int, titles_only: bool) -> Subquery:
    fts = SEARCH_FTS_TABLE
    # The newest `candidates` + 1 matches: FTS5 walks its doclists from the newest rowid down and
    # stops (a materialised CTE, done once). Each term is then looked up within that range only,
    # once in titles and once anywhere; an idea's rank adds up the weights of the lookups that
    # found it (a term anywhere COVERAGE, in the title 1). Every match is found by some term, so
    # the lookups' union is the candidates: no walk of all terms at once over the range.
    bound = "(SELECT oldest FROM search_bound)"

    def lookup(name: str, weight: int) -> str:
        return (f"SELECT rowid AS idea_id, {weight} AS weight FROM {fts} "
                f"WHERE {fts} MATCH :{name} AND rowid >= {bound}")  # fmt: skip

    newest = (
        "WITH search_bound(oldest) AS MATERIALIZED ("
        f"SELECT coalesce((SELECT rowid FROM {fts} WHERE {fts} MATCH :search_match "
        "ORDER BY rowid DESC LIMIT 1 OFFSET :search_candidates), 0)) "
    )
    if terms == 1:
        # One term: every candidate has it (COVERAGE), only its place tells them apart. The
        # candidates come in one walk, and the ones with it in the title from a list of those
        # (adding up lookups would sort every candidate to group them). LIMIT -1 (none) keeps
        # SQLite from merging this into the caller's join, so the walk drives it.
        in_title = "0" if titles_only else (
            f"(rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH :search_t0 "
            f"AND rowid >= {bound}))"
        )  # fmt: skip
        statement = text(
            f"{newest}SELECT rowid AS idea_id, -({COVERAGE + titles_only} + {in_title}) AS rank "
            f"FROM {fts} WHERE {fts} MATCH :search_match AND rowid >= {bound} LIMIT -1"
        )
        return statement.columns(column("idea_id"), column("rank", Integer)).subquery("search")
    # In titles only, a term found is found in the title: both weights at once.
    lookups = [lookup(f"search_t{i}", 1 + COVERAGE * titles_only) for i in range(terms)]
    if not titles_only:
        lookups += [lookup(f"search_a{i}", COVERAGE) for i in range(terms)]
    statement = text(
        f"{newest}SELECT idea_id, -sum(weight) AS rank FROM ({' UNION ALL '.join(lookups)}) "
        "GROUP BY idea_id"
    )
    return statement.columns(column("idea_id"), column("rank", Integer)).subquery("search")


def _ranked_postgresql(terms: int, titles_only: bool) -> Subquery:
    simple = literal_column("'simple'::regconfig")
    document = literal_column(f"search_entry.{SEARCH_DOCUMENT_COLUMN}")

    def tsquery(name: str):
        return func.to_tsquery(simple, bindparam(name, type_=String))

    # The GIN index finds the matches; only the newest `candidates` + 1 of them are scored, on
    # the stored tsvector (the CTE is materialised, so each is read once).
    newest = (
        select(SearchEntry.idea_id)
        .where(document.op("@@")(tsquery("search_match")))
        .order_by(SearchEntry.idea_id.desc())
        .limit(bindparam("search_limit", type_=Integer))
        .scalar_subquery()
    )
    candidates = (
        select(SearchEntry.idea_id, document.label("document"))
        .where(SearchEntry.idea_id.in_(newest))
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )

    def hits(prefix: str) -> list:
        return [
            cast(candidates.c.document.op("@@")(tsquery(f"{prefix}{i}")), Integer)
            for i in range(terms)
        ]

    in_title = hits("search_t")
    found = in_title if titles_only else hits("search_a")
    score = COVERAGE * sum(found[1:], found[0]) + sum(in_title[1:], in_title[0])
    return select(candidates.c.idea_id.label("idea_id"), (-score).label("rank")).subquery("search")


def index_idea(connection: Connection, idea: Idea, *, new: bool) -> None:
    """Store the words of `idea`: called by the ORM hooks on Idea, inside the flush that inserts
    it or changes its title or body, so every writer keeps the index without knowing of it."""
    values = {"title": index_text(idea.title or ""), "body": index_text(idea.body or "")}
    _remember_words(connection, [values["title"], values["body"]])
    if not new:
        updated = connection.execute(
            update(SearchEntry).where(SearchEntry.idea_id == idea.id).values(**values)
        )
        if updated.rowcount:
            return
    connection.execute(insert(SearchEntry).values(idea_id=idea.id, **values))


def index_all(connection: Connection, *, batch: int = 5000) -> int:
    """Index every idea not indexed yet (the migration's backfill, bulk loaders). Returns how
    many were indexed."""
    done = 0
    last = 0
    while True:
        rows = connection.execute(
            select(Idea.id, Idea.title, Idea.body)
            .where(Idea.id > last, ~Idea.id.in_(select(SearchEntry.idea_id)))
            .order_by(Idea.id)
            .limit(batch)
        ).all()
        if not rows:
            return done
        entries = [
            {"idea_id": i, "title": index_text(t or ""), "body": index_text(b or "")}
            for i, t, b in rows
        ]
        _remember_words(connection, [e[part] for e in entries for part in ("title", "body")])
        connection.execute(insert(SearchEntry), entries)
        done += len(rows)
        last = rows[-1][0]


def _remember_words(connection: Connection, texts: list[str]) -> None:
    """Add the words of `texts` (index_text output) to search_word, once each."""
    words = sorted({w for text in texts for w in text.split() if len(w) <= MAX_STORED_WORD})
    if not words:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    for start in range(0, len(words), 5000):
        chunk = [{"word": w} for w in words[start : start + 5000]]
        connection.execute(upsert(SearchWord).on_conflict_do_nothing(), chunk)
