from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.feedback.models import Feedback
from portal.ideas.models import Comment, Follower, Idea, Vote
from portal.lifecycle.models import StageChange
from portal.lifecycle.stages import Stage


def test_merge_moves_votes_followers_feedback_and_comments_and_loses_nothing(
    make, client, sign_in, session
):
    board = make.board()
    both, only_source = make.user(name="Both"), make.user(name="Source only")
    target = make.idea("Export to CSV", board=board, author=both)
    source = make.idea("CSV export please", board=board, author=only_source)
    from portal.ideas import service

    service.cast_vote(session, idea=source, voter=both)
    service.add_comment(session, idea=source, author=only_source, body="Monthly reports")
    service.unfollow_idea(session, idea=target, person=both)  # an explicit opt-out must survive
    session.add(Feedback(person_id=only_source.id, channel="support", original_words="Need CSV",
                         idea_id=source.id))  # fmt: skip
    session.commit()

    sign_in(make.user(role=Role.staff))
    response = client.post(
        f"/admin/ideas/{source.id}/stage",
        data={"target": "merged", "merge_into": target.id, "public_message": ""},
    )
    assert response.status_code == 302
    make.fresh()
    merged, kept = session.get(Idea, source.id), session.get(Idea, target.id)
    assert merged.stage == Stage.merged and merged.merged_into_id == target.id
    voters = set(session.scalars(select(Vote.user_id).filter_by(idea_id=target.id)))
    assert voters == {both.id, only_source.id}
    assert kept.vote_count == 2 and merged.vote_count == 0
    assert session.scalar(select(func.count(Vote.id))) == 2  # the duplicate vote folded into one
    followers = {
        f.user_id: f.unfollowed_at
        for f in session.scalars(select(Follower).filter_by(idea_id=target.id))
    }
    assert set(followers) == {both.id, only_source.id}
    assert followers[both.id] is not None  # still unfollowed
    assert session.scalar(select(Feedback.idea_id)) == target.id
    assert session.scalar(select(Comment.idea_id)) == target.id and kept.comment_count == 1
    change = session.scalar(select(StageChange).filter_by(idea_id=source.id, to_stage="merged"))
    assert change.public_message == f"Merged into #{target.id}"

    visit = client.get(f"/ideas/{source.id}", follow_redirects=True)
    assert visit.request.path == f"/ideas/{target.id}-{target.slug}"
    assert f"Idea #{source.id} was merged into this one." in visit.get_data(as_text=True)
    audit_actions = client.get(f"/admin/ideas/{source.id}").get_data(as_text=True)
    assert "Merged into" in audit_actions


def test_merging_into_itself_or_a_missing_idea_is_refused(make, client, sign_in, session):
    idea = make.idea()
    sign_in(make.user(role=Role.staff))
    for merge_into in (idea.id, 9999):
        response = client.post(
            f"/admin/ideas/{idea.id}/stage", data={"target": "merged", "merge_into": merge_into}
        )
        assert response.status_code == 422
    make.fresh()
    assert session.get(Idea, idea.id).stage == Stage.collect
