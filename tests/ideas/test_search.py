"""Board search and similar-idea suggestions through the full-text index (portal/ideas/search.py),
on SQLite (FTS5) and PostgreSQL (tsvector + GIN) alike."""

import re

import pytest
from sqlalchemy import select, update

from portal.ideas import search
from portal.ideas.models import Idea, SearchEntry, Visibility
from portal.lifecycle.stages import Stage


def titles(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'class="idea-title">([^<]+)</a>', response.get_data(as_text=True))


def result_count(response) -> str:
    found = re.search(r'class="result-count"><small>([^<]+)', response.get_data(as_text=True))
    return found.group(1).strip()


def suggested(client, title: str) -> list[str]:
    response = client.get("/ideas/similar", query_string={"title": title})
    assert response.status_code == 200
    return re.findall(r"<a [^>]*>([^<]+)</a>", response.get_data(as_text=True))


def searched(client, board, q: str, **args) -> list[str]:
    return titles(client.get(f"/boards/{board.slug}", query_string={"q": q, **args}))


def test_chinese_words_of_two_or_more_characters_are_found(make, client):
    board = make.board()
    make.idea("支持导出数据到仓库", board=board, body="每个月都需要")
    make.idea("Dashboard 报表", board=board, body="图表和导航")
    make.idea("Dark mode", board=board)

    assert searched(client, board, "导出") == ["支持导出数据到仓库"]
    assert searched(client, board, "仓库") == ["支持导出数据到仓库"]
    assert searched(client, board, "导出数据") == ["支持导出数据到仓库"]
    assert searched(client, board, "出数") == ["支持导出数据到仓库"]  # two in the middle
    assert searched(client, board, "报表") == ["Dashboard 报表"]
    assert searched(client, board, "图表") == ["Dashboard 报表"]  # in the body
    assert searched(client, board, "数仓") == []  # both characters there, not together
    assert searched(client, board, "导出仓库") == []  # a phrase: in a row or not at all
    assert sorted(searched(client, board, "仓库 报表")) == ["Dashboard 报表", "支持导出数据到仓库"]


def test_any_word_matches_and_ideas_with_more_of_them_come_first(make, client, session):
    board = make.board()
    older = make.idea("Export orders", board=board)
    newer = make.idea("Invoices by email", board=board)
    both = make.idea("Export invoices to CSV", board=board)
    make.idea("Dark mode", board=board)
    in_body = make.idea("Accounting wishes", board=board, body="Export the invoices monthly")
    session.execute(update(Idea).where(Idea.id == older.id).values(vote_count=50))
    session.commit()

    response = client.get(f"/boards/{board.slug}", query_string={"q": "export invoices"})
    # Both words first, the title's before the body's; then one word, most votes first.
    assert titles(response) == [both.title, in_body.title, older.title, newer.title]
    assert result_count(response) == "4 ideas · best matches first"
    # The chosen sort breaks ties between equal matches.
    newest_first = searched(client, board, "export invoices", sort="new")
    assert newest_first == [both.title, in_body.title, newer.title, older.title]


def test_one_more_term_found_outweighs_any_number_in_the_title(make, client):
    """Word beginnings are completed to up to six words each, so two beginnings are twelve
    terms: eleven of them in a title must not outrank all twelve in a body."""
    board = make.board()
    titled = make.idea("Export expense expert expand explore expire wide widget widen width widow",
                       board=board)  # fmt: skip
    fuller = make.idea("Quarterly wishes", board=board, body=(
        "export expense expert expand explore expire wide widget widen width widow widely"
    ))  # fmt: skip
    assert searched(client, board, "exp wid") == [fuller.title, titled.title]


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_body(make, client):
    board = make.board()
    body_only = make.idea("Monthly reports", board=board, body="with a warehouse column")
    in_title = make.idea("Warehouse picking list", board=board, body="for the team")
    assert searched(client, board, "warehouse") == [in_title.title, body_only.title]


def test_word_beginnings_case_and_accents_are_forgiven(make, client):
    board = make.board()
    export = make.idea("Export reports to CSV", board=board)
    cafe = make.idea("Café menu in the kiosk", board=board)
    make.idea("Dark mode", board=board)

    assert searched(client, board, "expor") == [export.title]
    assert searched(client, board, "EXPORT") == [export.title]
    assert searched(client, board, "cafe") == [cafe.title]
    assert searched(client, board, "CAFÉ") == [cafe.title]
    assert searched(client, board, "ｅｘｐｏｒｔ") == [export.title]  # full-width letters
    assert searched(client, board, "kio") == [cafe.title]
    assert searched(client, board, "xport") == []  # beginnings, not any part of a word


def test_an_edited_idea_is_found_by_its_new_words_only(make, client, session):
    board = make.board()
    idea = make.idea("Export reports to CSV", board=board, body="Monthly")
    assert searched(client, board, "csv") == [idea.title]

    idea = session.get(Idea, idea.id)
    idea.title = "Export reports to Excel"
    idea.body = "Quarterly, for the 仓库 team"
    session.commit()

    assert searched(client, board, "csv") == []
    assert searched(client, board, "monthly") == []
    assert searched(client, board, "excel") == ["Export reports to Excel"]
    assert searched(client, board, "仓库") == ["Export reports to Excel"]
    assert suggested(client, "Excel export") == ["Export reports to Excel"]

    session.delete(session.get(Idea, idea.id))  # deleted: gone from the index with it
    session.commit()
    assert searched(client, board, "excel") == []
    assert session.scalar(select(SearchEntry.idea_id).where(SearchEntry.idea_id == idea.id)) is None


def test_merged_ideas_are_not_found(make, client, session):
    board = make.board()
    kept = make.idea("Export reports to CSV", board=board)
    merged = make.idea("CSV export please", board=board)
    session.execute(update(Idea).where(Idea.id == merged.id).values(stage=Stage.merged))
    session.commit()
    assert searched(client, board, "csv") == [kept.title]
    assert suggested(client, "CSV export") == [kept.title]


def test_hidden_ideas_are_neither_found_nor_counted(make, client, sign_in):
    board = make.board()
    acme = make.organisation("Acme")
    public = make.idea("Export to CSV", board=board)
    internal = make.idea("Export the secret roadmap", board=board, visibility=Visibility.internal)
    for_acme = make.idea(
        "Export for Acme", board=board, visibility=Visibility.organisations, organisations=[acme]
    )

    response = client.get(f"/boards/{board.slug}", query_string={"q": "export"})
    assert titles(response) == [public.title]
    assert result_count(response).startswith("1 idea")
    assert suggested(client, "export secret roadmap") == [public.title]

    sign_in(make.user(organisation=acme))
    assert sorted(searched(client, board, "export")) == sorted([public.title, for_acme.title])

    sign_in(make.staff())
    everything = client.get(f"/boards/{board.slug}", query_string={"q": "export"})
    assert sorted(titles(everything)) == sorted([public.title, internal.title, for_acme.title])
    assert result_count(everything).startswith("3 ideas")


HOSTILE = [
    '"',
    '"export',
    "export*",
    "*",
    "-export",
    "export -csv",
    "NEAR(export csv)",
    "export NEAR csv",
    "export AND csv",
    "export OR",
    "NOT export",
    "(export",
    "export)",
    "title:export",
    "{title}: export",
    "^export",
    "export:*",
    "'export' & !csv",
    "export <-> csv",
    "a\x00b",
    "\x00",
    "😀",
    "export 😀 导出",
    "!!!???...",
    "%_\\",
    " ",
    "x" * 10_000,
    "导" * 10_000,
    "export " * 2_000,
    "\u0301\u0301",
    "\ufeff\u200b",
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:20]))
def test_any_input_gives_a_page_never_an_error(make, client, query):
    board = make.board()
    make.idea("Export reports to CSV", board=board)
    response = client.get(f"/boards/{board.slug}", query_string={"q": query})
    if "\x00" in query:  # refused at the edge for every route (portal/web/inputs.py)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert "idea-list" in response.get_data(as_text=True)
    similar = client.get("/ideas/similar", query_string={"title": query})
    assert similar.status_code == 200


def test_queries_of_only_punctuation_find_nothing(make, client):
    board = make.board()
    make.idea("Export reports to CSV", board=board)
    response = client.get(f"/boards/{board.slug}", query_string={"q": "!!! ???"})
    assert titles(response) == []
    assert result_count(response).startswith("0 ideas")


def test_syntax_characters_are_read_as_the_words_around_them(make, client):
    board = make.board()
    export = make.idea("Export reports to CSV", board=board)
    assert searched(client, board, '"export') == [export.title]
    assert searched(client, board, "NEAR(export)") == [export.title]
    assert searched(client, board, "-csv") == [export.title]
    assert searched(client, board, "title:csv") == [export.title]


def test_past_the_ranked_candidates_the_page_says_more(make, client, monkeypatch):
    board = make.board()
    for number in range(5):
        make.idea(f"Export number {number}", board=board)
    monkeypatch.setattr(search, "CANDIDATES", 3)
    response = client.get(f"/boards/{board.slug}", query_string={"q": "export"})
    # The newest 3 + 1 of the five matches are ranked (the one more tells that more match), and
    # the page does not claim that is all.
    assert titles(response) == [f"Export number {n}" for n in (4, 3, 2, 1)]
    assert result_count(response).startswith("More than 4 ideas")


def test_search_results_page_through_every_match_once(make, client, app, session):
    app.config["IDEAS_PER_PAGE"] = 3
    board = make.board()
    other = make.board()
    ideas = [make.idea(f"Export batch {n}", board=board) for n in range(7)]
    make.idea("Export elsewhere", board=other)  # another board's: neither listed nor counted
    for votes, idea in enumerate(ideas):
        session.execute(update(Idea).where(Idea.id == idea.id).values(vote_count=votes))
    session.commit()
    most_votes_first = [idea.title for idea in reversed(ideas)]

    pages = [searched(client, board, "export", page=n) for n in (1, 2, 3)]
    assert pages == [most_votes_first[:3], most_votes_first[3:6], most_votes_first[6:]]
    response = client.get(f"/boards/{board.slug}", query_string={"q": "export", "page": 2})
    assert result_count(response).startswith("7 ideas")
    assert "Page 2 of 3" in response.get_data(as_text=True)
    # A page past the last shows the last one.
    assert searched(client, board, "export", page=9) == most_votes_first[6:]
    # No idea of this board matches: an empty first page.
    assert searched(client, board, "elsewhere", page=2) == []


def test_similar_ideas_find_by_english_and_chinese_title_words(make, client, session):
    board = make.board()
    csv = make.idea("Export invoices to CSV", body="about warehouses")
    warehouse = make.idea("支持导出数据到仓库", board=board)
    make.idea("Dark mode", board=board)

    assert suggested(client, "CSV export for invoices") == [csv.title]
    assert suggested(client, "导出仓库报表") == [warehouse.title]
    assert suggested(client, "仓库") == [warehouse.title]
    assert suggested(client, "warehouses") == []  # titles only: not the body
    assert suggested(client, "the and for to") == []  # only stopwords

    for number in range(7):
        make.idea(f"Invoices wish {number}", board=board)
    assert len(suggested(client, "invoices")) == 5


def test_search_costs_a_fixed_number_of_statements(make, client, count_queries):
    board = make.board()
    make.idea("Export reports", board=board)
    with count_queries() as few:
        client.get(f"/boards/{board.slug}", query_string={"q": "export csv"})
    for number in range(15):
        make.idea(f"Export {number} to CSV", board=board)
    with count_queries() as many:
        client.get(f"/boards/{board.slug}", query_string={"q": "export csv"})
    assert many.count == few.count
