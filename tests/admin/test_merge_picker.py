"""Merging on the admin idea page: the other idea is picked from suggestions while typing its
words or #number (htmx), and the same form works without JavaScript."""

from __future__ import annotations

import re

from portal.accounts.models import Role
from portal.ideas import moderation
from portal.ideas.models import Idea
from portal.lifecycle.stages import Stage

HTMX = {"HX-Request": "true"}


def radios(html: str, name: str = "merge_into") -> list[int]:
    return [int(v) for v in re.findall(rf'type="radio" name="{name}" value="(\d+)"', html)]


def ideas_to_merge(make, session):
    duplicate = make.idea("Single sign-on with Okta please")
    okta = make.idea("Single sign-on with Okta")
    azure = make.idea("Single sign-on with Azure AD")
    spam = make.idea("Single sign-on scam offer")
    moderation.delete_idea(session, idea=spam, staff=make.staff(), reason="spam")
    gone = make.idea("Single sign-on via Okta", stage=Stage.merged)
    session.commit()
    return duplicate, okta, azure, spam, gone


def test_the_idea_page_offers_a_search_as_you_type_picker_not_a_number(make, client, sign_in):
    idea = make.idea("Single sign-on with Okta")
    sign_in(make.staff())
    html = client.get(f"/admin/ideas/{idea.id}").text
    form = html.split('id="move-heading"')[1].split("</form>")[0]
    assert 'name="merge_q"' in form and 'type="search"' in form
    assert f"/admin/ideas/pick?name=merge_into&amp;exclude={idea.id}" in form
    assert 'hx-target="#merge-picks"' in form and 'id="merge-picks"' in form
    assert 'type="number"' not in form.split('name="merge_q"')[0].split("merge-picker")[-1]


def test_with_htmx_suggestions_leave_out_the_idea_itself_deleted_and_merged_ideas(
    make, client, sign_in, session
):
    duplicate, okta, azure, spam, gone = ideas_to_merge(make, session)
    sign_in(make.staff())
    picks = client.get(
        "/admin/ideas/pick",
        query_string={"merge_q": "single sign-on", "name": "merge_into", "exclude": duplicate.id},
        headers=HTMX,
    )
    assert picks.status_code == 200
    offered = radios(picks.text)
    assert set(offered) == {okta.id, azure.id}
    assert "<html" not in picks.text  # a fragment for the form
    by_number = client.get(
        f"/admin/ideas/pick?merge_q=%23{duplicate.id}&name=merge_into&exclude={duplicate.id}",
        headers=HTMX,
    ).text
    assert radios(by_number) == [] and "No idea matches." in by_number
    assert (
        radios(
            client.get(f"/admin/ideas/pick?merge_q=%23{spam.id}&name=merge_into", headers=HTMX).text
        )
        == []
    )

    # The picked radio button is what the move form sends: the merge is done.
    merged = client.post(
        f"/admin/ideas/{duplicate.id}/stage",
        data={"target": "merged", "merge_q": "single sign-on", "merge_into": azure.id},
        headers=HTMX,
    )
    assert merged.status_code in (200, 302)
    make.fresh()
    stored = session.get(Idea, duplicate.id)
    assert (stored.stage, stored.merged_into_id) == (Stage.merged, azure.id)


def test_without_javascript_a_typed_number_merges_at_once(make, client, sign_in, session):
    duplicate, okta, *_ = ideas_to_merge(make, session)
    sign_in(make.staff())
    response = client.post(
        f"/admin/ideas/{duplicate.id}/stage", data={"target": "merged", "merge_q": f"#{okta.id}"}
    )
    assert response.status_code == 302
    make.fresh()
    assert session.get(Idea, duplicate.id).merged_into_id == okta.id
    assert "Merged into" in client.get(f"/admin/ideas/{duplicate.id}").text


def test_without_javascript_words_bring_suggestions_into_the_form_then_picking_merges(
    make, client, sign_in, session
):
    duplicate, okta, azure, spam, gone = ideas_to_merge(make, session)
    sign_in(make.staff())
    asked = client.post(
        f"/admin/ideas/{duplicate.id}/stage",
        data={"target": "merged", "merge_q": "single sign-on", "public_message": "Same need"},
    )
    assert asked.status_code == 422
    form = asked.text.split('id="move-heading"')[1].split("</form>")[0]
    assert "Pick the idea to merge into." in form
    assert set(radios(form)) == {okta.id, azure.id}
    assert 'value="single sign-on"' in form and "Same need" in form  # what was typed stays
    make.fresh()
    assert session.get(Idea, duplicate.id).stage == Stage.collect

    picked = client.post(
        f"/admin/ideas/{duplicate.id}/stage",
        data={"target": "merged", "merge_q": "single sign-on", "merge_into": okta.id},
    )
    assert picked.status_code == 302
    make.fresh()
    assert session.get(Idea, duplicate.id).merged_into_id == okta.id


def test_merging_into_itself_a_deleted_or_an_unknown_idea_is_refused_with_a_message(
    make, client, sign_in, session
):
    duplicate, okta, azure, spam, gone = ideas_to_merge(make, session)
    sign_in(make.user(role=Role.staff))
    for data, message in [
        ({"merge_q": f"#{duplicate.id}"}, "No idea matches."),
        ({"merge_q": f"#{spam.id}"}, "No idea matches."),
        ({"merge_q": "zzzz qqqq"}, "No idea matches."),
        ({"merge_q": ""}, "Type the words or #number of the idea to merge into."),
        ({"merge_into": duplicate.id}, f"There is no idea #{duplicate.id} to merge into."),
        ({"merge_into": spam.id}, f"There is no idea #{spam.id} to merge into."),
        ({"merge_into": gone.id}, f"There is no idea #{gone.id} to merge into."),
        ({"merge_q": "😀\r\n" * 20}, "No idea matches."),
    ]:
        response = client.post(
            f"/admin/ideas/{duplicate.id}/stage", data={"target": "merged", **data}
        )
        assert response.status_code == 422, data
        assert message in response.text, data
        assert 'aria-invalid="true"' in response.text.split('name="merge_q"')[0][-600:] or (
            'aria-invalid="true"' in response.text.split('id="merge_q"')[1][:900]
        )
    make.fresh()
    assert session.get(Idea, duplicate.id).stage == Stage.collect


def test_a_move_that_is_not_a_merge_ignores_the_merge_field(make, client, sign_in, session):
    duplicate, okta, *_ = ideas_to_merge(make, session)
    sign_in(make.staff())
    response = client.post(
        f"/admin/ideas/{duplicate.id}/stage", data={"target": "analyze", "merge_q": "okta"}
    )
    assert response.status_code == 302
    make.fresh()
    assert session.get(Idea, duplicate.id).stage == Stage.analyze
