"""The benchmark's dataset is what the services would have written: counts agree with rows, every
stage and visibility is present, and the portal serves it (the benchmark measures real pages)."""

from sqlalchemy import func, select, tuple_

from portal.bench.dataset import Scale, grow
from portal.demo import load_demo
from portal.ideas import trending
from portal.ideas.models import IDEA_TAG_COPIES, Comment, Idea, IdeaTag, Visibility, Vote
from portal.lifecycle.stages import Stage
from portal.priority.service import refresh_demand


def test_the_dataset_agrees_with_itself_and_the_pages_serve_it(app, session, client):
    with app.app_context():
        load_demo(session)
        with app.extensions["feedloop_db"].engine.begin() as connection:
            made = grow(connection, Scale.for_ideas(400))
    session.expire_all()

    assert session.scalar(select(func.count(Idea.id))) == 120 + 400
    stored_votes = session.scalar(select(func.sum(Idea.vote_count)))
    assert stored_votes == session.scalar(select(func.count(Vote.id)))
    shown_comments = session.scalar(select(func.sum(Idea.comment_count)))
    assert shown_comments == session.scalar(select(func.count(Comment.id)))
    assert set(session.scalars(select(Idea.stage).distinct())) == set(Stage)
    assert set(session.scalars(select(Idea.visibility).distinct())) == set(Visibility)
    voted = session.scalars(select(Idea).where(Idea.vote_count > 0).limit(20)).all()
    for idea in voted:  # the Trending sort's stored number, as votes through the portal keep it
        cast_at = session.scalars(select(Vote.created_at).where(Vote.idea_id == idea.id)).all()
        assert abs(idea.trend - trending.total(cast_at)) < 1e-9
    # The organisations asking through the votes, as refresh_score stores them.
    stored = {i.id: (i.demand_organisations, i.demand_arr, i.demand_key_accounts) for i in voted}
    refresh_demand(session, select(Idea.id).where(Idea.id.in_(stored)))
    session.flush()
    session.expire_all()
    recounted = {
        row.id: (row.demand_organisations, row.demand_arr, row.demand_key_accounts)
        for row in session.scalars(select(Idea).where(Idea.id.in_(stored)))
    }
    assert recounted == stored and any(arr for _n, arr, _k in stored.values())
    busy = session.get(Idea, made["busy_idea"])
    assert busy.comment_count == 200 and busy.visibility == Visibility.public
    page = client.get(f"/ideas/{busy.id}-{busy.slug}")
    assert page.status_code == 200 and busy.title in page.text
    assert client.get("/boards/web-app?sort=trending").status_code == 200
    # Each tag row carries its idea's board, stage, visibility and sort columns (the tag filter).
    kept = [c for c in IDEA_TAG_COPIES if c != "deleted_at"]  # none is deleted: NULL on both
    copies = tuple_(*(getattr(IdeaTag, c) for c in kept))
    originals = tuple_(*(getattr(Idea, c) for c in kept))
    tagged = session.scalar(select(func.count(IdeaTag.id)))
    agreeing = session.scalar(
        select(func.count(IdeaTag.id)).join(Idea, Idea.id == IdeaTag.idea_id)
        .where(copies == originals, IdeaTag.deleted_at.is_(None), Idea.deleted_at.is_(None))
    )  # fmt: skip
    assert tagged > 100 and agreeing == tagged
    assert client.get("/boards/web-app?tag=reporting").status_code == 200
