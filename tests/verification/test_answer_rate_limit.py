"""Answers from an emailed link are writes without a sign-in: counted per address."""

from __future__ import annotations

import pytest

from portal.extensions import limiter
from portal.ideas.models import Idea
from portal.lifecycle import service as lifecycle
from portal.lifecycle.stages import Stage
from portal.verification.links import answer_url


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True}


def test_a_flood_of_answers_from_one_address_is_stopped_but_not_others(scene, app, session):
    limiter.reset()
    idea = session.get(Idea, scene.idea.id)
    with app.app_context():
        lifecycle.move_idea(session, idea=idea, actor=None, target=Stage.verify)
        path = answer_url(scene.author.id, idea.id, True).removeprefix("http://portal.test")
    session.commit()
    flood = app.test_client()
    statuses = [
        flood.post(
            path, data={"solved": "yes"}, environ_base={"REMOTE_ADDR": "10.6.6.6"}
        ).status_code
        for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    # Opening the page is not counted, and another address still answers.
    assert flood.get(path, environ_base={"REMOTE_ADDR": "10.6.6.6"}).status_code == 200
    other = app.test_client().post(
        path, data={"solved": "no"}, environ_base={"REMOTE_ADDR": "10.6.6.7"}
    )
    assert other.status_code == 200
