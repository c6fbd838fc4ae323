"""Staff choose who may see an idea or a release note, down to chosen organisations; the roadmap,
the changelog and the idea page follow through the one visibility rule."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Role
from portal.changelog.models import ReleaseNote, ReleaseNoteAudience
from portal.ideas.models import Idea, IdeaAudience, Visibility
from portal.lifecycle.stages import Horizon, Stage


def test_staff_narrow_a_roadmap_card_to_one_organisation(make, session, client, sign_in):
    acme, globex = make.organisation("Acme"), make.organisation("Globex")
    at_acme = make.user("ana@acme.example", organisation=acme)
    at_globex = make.user("gus@globex.example", organisation=globex)
    idea = make.idea("Acme-only SSO connector", stage=Stage.plan)
    session.get(Idea, idea.id).horizon = Horizon.now
    session.commit()

    sign_in(make.user(role=Role.staff))
    assert "Acme-only SSO connector" in client.get("/roadmap").text
    page = client.get(f"/admin/ideas/{idea.id}").text
    assert "Who may see it" in page and "Globex" in page  # the organisations to choose from
    refused = client.post(
        f"/admin/ideas/{idea.id}/visibility", data={"visibility": "organisations"}
    )
    assert refused.status_code == 422 and "Choose at least one organisation." in refused.text
    chosen = {"visibility": "organisations", "organisations": [acme.id]}
    saved = client.post(f"/admin/ideas/{idea.id}/visibility", data=chosen)
    assert saved.status_code == 302

    make.fresh()
    assert session.get(Idea, idea.id).visibility == Visibility.organisations
    assert session.scalars(select(IdeaAudience.organisation_id)).all() == [acme.id]
    sign_in(at_acme)
    assert "Acme-only SSO connector" in client.get("/roadmap").text
    sign_in(at_globex)
    assert "Acme-only SSO connector" not in client.get("/roadmap").text
    assert client.get(f"/ideas/{idea.id}-{idea.slug}").status_code == 404
    client.post("/logout")
    assert "Acme-only SSO connector" not in client.get("/roadmap").text


def test_an_idea_cannot_be_wider_than_its_board(make, session, client, sign_in):
    board = make.board("Customers only", visibility=Visibility.customers)
    idea = make.idea("Usage reports", board=board)
    sign_in(make.user(role=Role.staff))
    client.post(f"/admin/ideas/{idea.id}/visibility", data={"visibility": "public"})
    make.fresh()
    assert session.get(Idea, idea.id).visibility == Visibility.customers
    client.post(f"/admin/ideas/{idea.id}/visibility", data={"visibility": "internal"})
    make.fresh()
    assert session.get(Idea, idea.id).visibility == Visibility.internal
    client.post(f"/admin/ideas/{idea.id}/visibility", data={"visibility": ""})  # as its board
    make.fresh()
    assert session.get(Idea, idea.id).visibility == Visibility.customers


def test_a_release_note_for_chosen_organisations(make, session, client, sign_in):
    acme, globex = make.organisation("Acme"), make.organisation("Globex")
    at_acme = make.user("ana@acme.example", organisation=acme)
    at_globex = make.user("gus@globex.example", organisation=globex)
    sign_in(make.user(role=Role.staff))
    form = {"title": "Acme's custom export", "category": "new", "visibility": "organisations",
            "publish": "now", "body": "Done."}  # fmt: skip
    refused = client.post("/admin/changelog/new", data=form)
    assert refused.status_code == 422 and "Choose at least one organisation." in refused.text
    assert client.post("/admin/changelog/new",
                       data={**form, "organisations": [acme.id]}).status_code == 302  # fmt: skip
    note = session.scalar(select(ReleaseNote))
    assert session.scalars(select(ReleaseNoteAudience.organisation_id)).all() == [acme.id]
    editor = client.get(f"/admin/changelog/{note.id}").text
    assert f'<option selected value="{acme.id}">Acme</option>' in editor

    sign_in(at_acme)
    assert "Acme&#39;s custom export" in client.get("/changelog").text
    sign_in(at_globex)
    assert "Acme&#39;s custom export" not in client.get("/changelog").text
    assert client.get(f"/changelog/{note.id}-{note.slug}").status_code == 404
