from portal.accounts.models import Membership, Role
from portal.ideas.models import Idea, Visibility, Vote


def _ideas_with_votes(session, make, board, count):
    organisation = make.organisation()
    voter = make.user(organisation=organisation)
    author = make.user()
    ideas = [Idea(board_id=board.id, author_id=author.id, title=f"Idea {n}", slug=f"idea-{n}")
             for n in range(count)]  # fmt: skip
    session.add_all(ideas)
    session.flush()
    session.add_all(Vote(idea_id=idea.id, user_id=voter.id) for idea in ideas)
    session.commit()
    assert session.query(Membership).count() >= 1


def test_admin_ideas_list_runs_the_same_queries_for_10_and_200_ideas(
    make, client, sign_in, session, count_queries
):
    small, large = make.board("Small"), make.board("Large")
    _ideas_with_votes(session, make, small, 10)
    _ideas_with_votes(session, make, large, 200)
    sign_in(make.user(role=Role.staff))
    # Another address first: what every page reads once per page generation (the settings) is
    # then read already for both pages counted, as in a running portal.
    assert client.get("/admin/ideas?sort=arr").status_code == 200
    counts = []
    for board in (small, large):
        with count_queries() as counter:
            response = client.get(f"/admin/ideas?board={board.id}&sort=arr")
        assert response.status_code == 200
        counts.append(counter.count)
    assert 3 <= counts[0] == counts[1] <= 7  # rendered (a kept page reads nothing)


def test_inbox_lists_new_ideas_oldest_first(make, client, sign_in):
    board = make.board()
    first = make.idea("First arrived", board=board)
    second = make.idea("Second arrived", board=board)
    sign_in(make.user(role=Role.staff))
    page = client.get("/admin/inbox").text
    assert page.index(first.title) < page.index(second.title)


def test_admin_ideas_list_searches_the_portal_index(make, client, sign_in):
    board = make.board()
    export = make.idea("CSV export for invoices", board=board)
    warehouse = make.idea("仓库导出报表", board=board, body="每月导出一次")
    hidden = make.idea("Internal export audit", board=board, visibility=Visibility.internal)
    other = make.idea("Dark mode", board=board, body="Easier on the eyes at night")
    sign_in(make.user(role=Role.staff))

    def found(query: str) -> set[str]:
        page = client.get("/admin/ideas", query_string={"q": query})
        assert page.status_code == 200
        return {i.title for i in (export, warehouse, hidden, other) if i.title in page.text}

    assert found("export") == {export.title, hidden.title}  # staff see internal ideas too
    assert found("导出") == {warehouse.title}
    assert found("invoices night") == {export.title, other.title}  # any of the words
    assert found(f"#{other.id}") == {other.title}
    assert found('"*') == set()
