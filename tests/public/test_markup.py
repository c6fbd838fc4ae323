"""Markup that assistive technology reads: no attribute may carry Python's None as its value
(axe-core reports aria-invalid="None" as critical)."""

import re

PAGES = ["/login", "/signup", "/", "/roadmap", "/changelog"]


def test_no_form_says_aria_invalid_none(make, client, sign_in):
    board = make.board()
    for path in PAGES:
        assert_clean(client.get(path), path)
    sign_in(make.user())
    for path in ["/", "/roadmap", f"/boards/{board.slug}", f"/boards/{board.slug}/ideas/new"]:
        assert_clean(client.get(path), path)
    # a form re-rendered with errors marks only the wrong fields
    refused = client.post(f"/boards/{board.slug}/ideas/new", data={"title": "", "body": ""})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    assert_clean(refused, "the refused idea form")


def assert_clean(response, what):
    assert response.status_code in (200, 422), what
    assert not re.search(r'="None"', response.text), what
