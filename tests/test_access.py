"""The visibility rule: one truth table, checked against the Python and the SQL form, and
through every page that lists or shows ideas."""

import pytest

from portal import access
from portal.accounts.models import Role
from portal.ideas.models import Visibility

VIEWERS = ["anonymous", "unverified", "customer", "member", "outsider", "staff", "admin"]
# viewer -> visibilities they may see ("member" belongs to the listed organisation)
TRUTH = {
    "anonymous": {Visibility.public},
    # Holds a membership row of the listed organisation, but has not proved the mailbox.
    "unverified": {Visibility.public},
    "customer": {Visibility.public, Visibility.customers},
    "member": {Visibility.public, Visibility.customers, Visibility.organisations},
    "outsider": {Visibility.public, Visibility.customers},
    "staff": set(Visibility),
    "admin": set(Visibility),
}
CASES = [(viewer, visibility) for viewer in VIEWERS for visibility in Visibility]


@pytest.fixture
def world(make):
    acme = make.organisation("Acme")
    globex = make.organisation("Globex")
    people = {
        "anonymous": None,
        "unverified": make.user("u@acme.example", organisation=acme, verified=False),
        "customer": make.user("c@example.com"),
        "member": make.user("m@acme.example", organisation=acme),
        "outsider": make.user("o@globex.example", organisation=globex),
        "staff": make.user("s@feedloop.example", role=Role.staff),
        "admin": make.user("a@feedloop.example", role=Role.admin),
    }
    board = make.board("Everything")
    ideas = {
        visibility: make.idea(
            f"Idea seen by {visibility.value} audience",
            board=board,
            visibility=visibility,
            organisations=[acme],
        )
        for visibility in Visibility
    }
    return people, board, ideas, acme


@pytest.mark.parametrize(("viewer_kind", "visibility"), CASES)
def test_python_and_sql_forms_of_the_rule_agree_with_the_table(
    world, session, viewer_kind, visibility
):
    people, _board, ideas, acme = world
    viewer = access.viewer_for(session, people[viewer_kind])
    expected = visibility in TRUTH[viewer_kind]
    assert access.can_see(viewer, visibility, [acme.id]) is expected
    from sqlalchemy import select

    from portal.ideas.models import Idea

    found = session.scalar(
        select(Idea.id).where(Idea.id == ideas[visibility].id, access.ideas_visible_to(viewer))
    )
    assert (found is not None) is expected
    if people[viewer_kind] is not None:  # the recipients form: who may be emailed about it
        from portal.accounts.models import User

        person = people[viewer_kind]
        told = session.scalar(
            select(User.id).where(
                User.id == person.id, access.people_who_may_see(ideas[visibility])
            )
        )
        # ...and never an address nobody has proved, even about a public idea.
        assert (told is not None) is (expected and person.is_verified)


@pytest.mark.parametrize(("viewer_kind", "visibility"), CASES)
def test_idea_page_answers_404_to_whoever_may_not_see_it(
    world, client, sign_in, viewer_kind, visibility
):
    people, board, ideas, _acme = world
    if people[viewer_kind] is not None:
        sign_in(people[viewer_kind])
    idea = ideas[visibility]
    expected = visibility in TRUTH[viewer_kind]
    page = client.get(f"/ideas/{idea.id}-{idea.slug}")
    assert page.status_code == (200 if expected else 404)
    listing = client.get(f"/boards/{board.slug}").get_data(as_text=True)
    assert (idea.title in listing) is expected
    suggestions = client.get("/ideas/similar", query_string={"title": idea.title}).get_data(
        as_text=True
    )
    assert (idea.title in suggestions) is expected
    search = client.get(f"/boards/{board.slug}", query_string={"q": visibility.value})
    assert (idea.title in search.get_data(as_text=True)) is expected


def test_hidden_idea_cannot_be_voted_on_commented_or_followed(world, client, sign_in):
    people, _board, ideas, _acme = world
    sign_in(people["outsider"])
    internal = ideas[Visibility.internal]
    for path in ("vote", "follow", "comments"):
        response = client.post(f"/ideas/{internal.id}/{path}", data={"action": "on", "body": "x"})
        assert response.status_code == 404


def test_boards_are_listed_only_to_their_audience(make, client, sign_in):
    acme = make.organisation("Acme")
    make.board("Open roadmap")
    make.board("Customer lounge", visibility=Visibility.customers)
    make.board("Acme pilot", visibility=Visibility.organisations, organisations=[acme])
    make.board("Team only", visibility=Visibility.internal)

    home = client.get("/").get_data(as_text=True)
    assert "Open roadmap" in home
    assert "Customer lounge" not in home and "Acme pilot" not in home and "Team only" not in home

    sign_in(make.user(organisation=acme))
    home = client.get("/").get_data(as_text=True)
    assert "Customer lounge" in home and "Acme pilot" in home
    assert "Team only" not in home


def test_idea_on_a_customers_board_cannot_be_widened_to_public(make, session):
    board = make.board(visibility=Visibility.customers)
    idea = make.idea(board=board, visibility=Visibility.public)
    session.refresh(idea)
    assert idea.visibility == Visibility.customers
    assert access.narrower(Visibility.public, Visibility.internal) == Visibility.internal


def test_changing_a_boards_visibility_carries_its_ideas_with_it(make, session):
    acme = make.organisation("Acme")
    globex = make.organisation("Globex")
    board = make.board("Roadmap")
    follows_board = make.idea("Follows its board", board=board)
    own_internal = make.idea("Kept internal", board=board, visibility=Visibility.internal)
    own_acme = make.idea(
        "Acme only", board=board, visibility=Visibility.organisations, organisations=[acme]
    )
    elsewhere = make.idea("On another board")

    access.set_board_visibility(session, board, Visibility.organisations, [acme.id, globex.id])
    session.commit()

    def seen_by(organisation):
        viewer = access.Viewer(user_id=1, organisation_ids=frozenset({organisation.id}),
                               is_verified=True)  # fmt: skip
        from sqlalchemy import select

        from portal.ideas.models import Idea

        return set(session.scalars(select(Idea.title).where(access.ideas_visible_to(viewer))))

    assert seen_by(acme) == {"Follows its board", "Acme only", "On another board"}
    assert seen_by(globex) == {"Follows its board", "On another board"}
    session.refresh(own_internal)
    assert own_internal.visibility == Visibility.internal

    access.set_board_visibility(session, board, Visibility.public)
    session.commit()
    assert seen_by(globex) == {"Follows its board", "On another board"}  # Acme's stays Acme's
    for idea in (follows_board, own_acme, elsewhere):
        session.refresh(idea)
    assert follows_board.visibility == Visibility.public
    assert own_acme.visibility == Visibility.organisations
    assert elsewhere.visibility == Visibility.public
