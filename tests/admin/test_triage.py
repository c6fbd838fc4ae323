from sqlalchemy import select

from portal.accounts.models import Membership, Organisation, Role, User
from portal.feedback.models import Feedback
from portal.ideas.models import Idea, Vote
from portal.lifecycle.stages import Stage

WORDS = "We lost the deal:\n  they need   SSO with Okta!!  "


def log(client, **overrides):
    data = {"email": "buyer@prospect.example", "name": "Bea Buyer", "organisation_id": "",
            "new_organisation": "Prospect Inc", "channel": "lost_deal",
            "original_words": WORDS, "source_reference": "CRM-42"}  # fmt: skip
    return client.post("/admin/feedback/new", data={**data, **overrides})


def test_staff_log_feedback_for_a_new_customer_and_organisation_verbatim(
    make, client, sign_in, session
):
    sign_in(make.staff())
    response = log(client)
    assert response.status_code == 302
    feedback = session.scalar(select(Feedback))
    assert feedback.original_words == WORDS  # not trimmed, not rewritten
    assert feedback.channel == "lost_deal" and feedback.idea_id is None
    person = session.get(User, feedback.person_id)
    organisation = session.scalar(select(Organisation).filter_by(name="Prospect Inc"))
    assert person.email == "buyer@prospect.example" and person.role == "customer"
    assert session.scalar(select(Membership.organisation_id).filter_by(user_id=person.id)) == (
        organisation.id
    )
    inbox = client.get("/admin/inbox").get_data(as_text=True)
    assert "they need   SSO with Okta!!" in inbox and "Bea Buyer" in inbox


def test_feedback_without_words_is_refused_and_nothing_is_saved(make, client, sign_in, session):
    sign_in(make.staff())
    response = log(client, original_words="   ")
    assert response.status_code == 422
    assert "own words." in response.get_data(as_text=True)
    assert session.scalar(select(Feedback.id)) is None
    assert session.scalar(select(Organisation.id)) is None


def test_linking_feedback_adds_the_customers_vote_with_their_words(make, client, sign_in, session):
    idea = make.idea("Single sign-on with Okta")
    sign_in(make.staff())
    log(client)
    feedback = session.scalar(select(Feedback))
    response = client.post(f"/admin/feedback/{feedback.id}/link", data={"idea_id": idea.id})
    assert response.headers["Location"] == f"/admin/ideas/{idea.id}"
    make.fresh()
    assert session.get(Idea, idea.id).vote_count == 2
    vote = session.scalar(select(Vote).filter_by(idea_id=idea.id, user_id=feedback.person_id))
    assert vote.channel == "lost_deal" and vote.original_words == WORDS
    page = client.get(f"/admin/ideas/{idea.id}").get_data(as_text=True)
    assert "Prospect Inc" in page and "they need   SSO with Okta!!" in page
    again = client.post(f"/admin/feedback/{feedback.id}/link", data={"idea_id": idea.id})
    assert again.status_code == 302
    make.fresh()
    assert session.get(Idea, idea.id).vote_count == 2


def test_feedback_becomes_a_new_idea_authored_by_the_customer(make, client, sign_in, session):
    board = make.board("Security")
    sign_in(make.staff())
    log(client)
    feedback = session.scalar(select(Feedback))
    response = client.post(
        f"/admin/feedback/{feedback.id}/idea",
        data={"title": "SSO with Okta", "board_id": board.id, "kind": "feature"},
    )
    make.fresh()
    idea = session.scalar(select(Idea).filter_by(title="SSO with Okta"))
    assert response.headers["Location"] == f"/admin/ideas/{idea.id}"
    assert idea.author_id == feedback.person_id and idea.body == WORDS.strip()
    assert idea.vote_count == 1 and idea.stage == "collect"
    assert session.get(Feedback, feedback.id).idea_id == idea.id
    assert "they need" not in client.get("/admin/inbox").get_data(as_text=True)


def test_internal_notes_never_reach_a_customer(make, client, sign_in):
    idea = make.idea()
    sign_in(make.user(role=Role.staff))
    client.post(f"/admin/ideas/{idea.id}/notes", data={"body": "Secret: churn risk at Acme"})
    assert "Secret: churn risk" in client.get(f"/admin/ideas/{idea.id}").get_data(as_text=True)
    staff_public = client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)
    assert "Secret: churn risk" not in staff_public
    sign_in(make.user())
    customer_view = client.get(f"/ideas/{idea.id}-{idea.slug}").get_data(as_text=True)
    assert "Secret: churn risk" not in customer_view


def test_enrichment_sets_board_kind_severity_owner_and_tags(make, client, sign_in, session):
    from portal.ideas.models import Visibility

    idea = make.idea()
    private = make.board("Private", visibility=Visibility.internal)
    owner = make.user(role=Role.staff, name="Olive Owner")
    sign_in(owner)
    response = client.post(
        f"/admin/ideas/{idea.id}/enrich",
        data={
            "board_id": private.id,
            "kind": "bug",
            "severity": "s1",
            "owner_id": owner.id,
            "tags": "Reporting, Export, reporting",
        },  # fmt: skip
    )
    assert response.status_code == 302
    make.fresh()
    changed = session.get(Idea, idea.id)
    assert (changed.board_id, changed.kind, changed.severity, changed.owner_id) == (
        private.id, "bug", "s1", owner.id,
    )  # fmt: skip
    assert changed.visibility == Visibility.internal  # follows its new board
    listing = client.get("/admin/ideas?tag=export").get_data(as_text=True)
    assert idea.title in listing and "Olive Owner" in listing


def test_organisation_with_domains_gathers_its_people(make, client, sign_in, session):
    existing = make.user("pat@globex.example")
    sign_in(make.user(role=Role.admin))
    response = client.post(
        "/admin/organisations/new",
        data={
            "name": "Globex",
            "domains": "globex.example",
            "tier": "key",
            "arr": "500000",
            "industry": "Retail",
            "region": "Europe",
        },  # fmt: skip
    )
    assert response.status_code == 302
    organisation = session.scalar(select(Organisation).filter_by(name="Globex"))
    assert organisation.tier == "key" and organisation.arr == 500000
    assert session.scalar(
        select(Membership.user_id).filter_by(organisation_id=organisation.id)
    ) == (existing.id)
    clash = client.post(
        "/admin/organisations/new",
        data={"name": "Globex 2", "domains": "globex.example", "tier": "standard"},
    )
    assert clash.status_code == 422
    assert "globex.example already belongs to Globex" in clash.get_data(as_text=True)


def test_staff_pick_the_idea_for_feedback_by_its_words_or_number(make, client, sign_in, session):
    okta = make.idea("Single sign-on with Okta")
    azure = make.idea("Single sign-on with Azure AD")
    make.idea("Dark mode")
    merged = make.idea("Okta login please", stage=Stage.merged)
    sign_in(make.staff())
    log(client)
    feedback = session.scalar(select(Feedback))

    # While typing (htmx): suggestions as radio buttons, best matches first, merged ones left out
    picks = client.get("/admin/ideas/pick", query_string={"q": "okta"}).text
    assert f'value="{okta.id}"' in picks and f'value="{merged.id}"' not in picks
    assert "Dark mode" not in picks
    assert f'value="{azure.id}"' in client.get(f"/admin/ideas/pick?q=%23{azure.id}").text
    assert "No idea matches." in client.get("/admin/ideas/pick?q=zzzz").text

    # Without JavaScript: words that fit several ideas bring the suggestions to the inbox...
    several = client.post(f"/admin/feedback/{feedback.id}/link", data={"q": "single sign-on"})
    inbox = client.get(several.headers["Location"]).text
    assert f'value="{okta.id}"' in inbox and f'value="{azure.id}"' in inbox
    # ...and picking one links it; a number typed links at once.
    picked = client.post(f"/admin/feedback/{feedback.id}/link", data={"idea_id": azure.id})
    assert picked.headers["Location"] == f"/admin/ideas/{azure.id}"
    make.fresh()
    assert session.get(Feedback, feedback.id).idea_id == azure.id
    logged = log(client, new_organisation="", original_words="We need SSO soon.")
    assert logged.status_code == 302, logged.text
    make.fresh()
    second = session.scalar(select(Feedback).order_by(Feedback.id.desc()))
    typed = client.post(f"/admin/feedback/{second.id}/link", data={"q": f"#{okta.id}"})
    assert typed.headers["Location"] == f"/admin/ideas/{okta.id}"


def test_customers_do_not_know_the_idea_picker_exists(make, client, sign_in):
    make.idea("Single sign-on with Okta")
    sign_in(make.user())
    assert client.get("/admin/ideas/pick?q=okta").status_code == 404
