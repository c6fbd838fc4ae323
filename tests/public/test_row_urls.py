"""Links in lists are built once per page and filled in per row: they must be exactly the links
url_for would build, whatever a title's slug holds."""

from flask import url_for

from portal.web.row_urls import row_url

SLUGS = ["export-to-csv", "导出报表", "emoji-🚀-x", "a b", "100%-sure", "a/b", "q?x#y", "", "-"]


def test_row_urls_are_the_links_url_for_builds(app):
    with app.test_request_context("/boards/web"):
        for number, slug in enumerate(SLUGS, start=1):
            for idea_id in (1, number * 7919, 2**31 - 1):
                assert row_url("public.idea_show", idea_id=idea_id, slug=slug) == url_for(
                    "public.idea_show", idea_id=idea_id, slug=slug
                )
                assert row_url("public.idea_vote", idea_id=idea_id) == url_for(
                    "public.idea_vote", idea_id=idea_id
                )


def test_a_board_page_links_each_idea_to_its_own_page(make, client):
    board = make.board()
    ideas = [make.idea(title, board=board) for title in ("Export 导出", "Dark mode 🌙", "SSO")]
    page = client.get(f"/boards/{board.slug}").text
    for idea in ideas:
        with client.application.test_request_context():
            assert f'href="{url_for("public.idea_show", idea_id=idea.id, slug=idea.slug)}"' in page
        assert client.get(f"/ideas/{idea.id}-{idea.slug}").status_code == 200
