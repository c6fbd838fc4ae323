"""A released idea's people: its author, a voter, a follower who only commented, its owner and
the staff member who moves it; and the ways they act (move, read the mail, answer)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.accounts.models import Role
from portal.ideas import service as ideas
from portal.ideas.models import Comment, FollowReason, Idea
from portal.lifecycle.stages import Stage


@dataclass
class Released:
    idea: Idea
    author: object
    voter: object
    commenter: object
    owner: object
    staff: object


@pytest.fixture
def scene(make, session) -> Released:
    author = make.user("asker@example.com", name="Avery Asker")
    voter = make.user("voter@example.com", name="Val Voter")
    commenter = make.user("talker@example.com", name="Tom Talker")
    owner = make.user("owner@vendor.example", role=Role.staff, name="Olive Owner")
    staff = make.user("pm@vendor.example", role=Role.staff, name="Pat PM")
    idea = make.idea("Export reports to CSV", author=author, stage=Stage.execute)
    ideas.cast_vote(session, idea=idea, voter=voter)
    session.add(Comment(idea_id=idea.id, author_id=commenter.id, body="Me too, please."))
    ideas.follow_idea(session, idea=idea, person=commenter, reason=FollowReason.commented)
    idea.owner_id = owner.id
    session.commit()
    return Released(idea, author, voter, commenter, owner, staff)


def move(client, idea, target, message=""):
    response = client.post(
        f"/admin/ideas/{idea.id}/stage", data={"target": target, "public_message": message}
    )
    assert response.status_code == 302, response.text
    return response


@pytest.fixture
def release(scene, client, sign_in, deliver):
    """Staff move the idea to "Released" and the worker sends the mail."""

    def run(message: str = "Shipped in version 4.2.") -> None:
        sign_in(scene.staff)
        move(client, scene.idea, "verify", message)
        deliver()

    return run
