"""A small world with one thing of every kind at every visibility, and a person of every kind.

The enumerating tests walk the app's URL map and fill each route's parameters from here, so a new
route whose parameter the world cannot fill fails loudly instead of going untested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from portal.accounts.models import Membership, Role
from portal.changelog.models import Category, ReleaseNote, ReleaseNoteAudience
from portal.db import utcnow
from portal.feedback.models import Feedback
from portal.ideas import service as ideas
from portal.ideas.models import Channel, Comment, IdeaTag, Tag, Visibility
from portal.lifecycle.stages import Stage
from portal.media.images import clean_image
from portal.media.service import attach_images, store_images
from portal.media.storage import storage
from portal.notify.models import OutboxMessage
from portal.people.models import Invitation
from portal.priority.models import PriorityFactor
from portal.subscribers.models import Subscriber
from tests.conftest import PASSWORD
from tests.media.pictures import picture

VIEWERS = ("anonymous", "member", "outsider", "unverified", "staff", "admin")

# Who may know that a thing of each visibility exists: PRODUCT.md, "Who sees what", written out
# by hand so the suite does not grade the rule with itself. `member` belongs to the listed
# organisation; `unverified` has a membership row in it too but has not proved the mailbox.
MAY_SEE = {
    Visibility.public: set(VIEWERS),
    Visibility.customers: {"member", "outsider", "staff", "admin"},
    Visibility.organisations: {"member", "staff", "admin"},
    Visibility.internal: {"staff", "admin"},
}


@dataclass
class Thing:
    """One idea (with its board, comment and feedback) at one visibility."""

    visibility: Visibility
    board_slug: str
    idea_id: int
    comment_id: int
    idea_title: str
    note_id: int = 0  # a published release note of the same visibility
    attachment_key: str = ""  # a screenshot attached to the idea


@dataclass
class World:
    people: dict[str, object] = field(default_factory=dict)
    things: dict[Visibility, Thing] = field(default_factory=dict)
    organisation_ids: list[int] = field(default_factory=list)
    feedback_id: int = 0
    factor_id: int = 0
    message_id: int = 0
    subscriber_id: int = 0
    invitation_id: int = 0
    tag_id: int = 0

    def params_for(self, visibility: Visibility) -> dict[str, object]:
        """A value for every URL parameter the app's routes take, pointing at `visibility`."""
        thing = self.things[visibility]
        return {
            "idea_id": thing.idea_id,
            "comment_id": thing.comment_id,
            "slug": thing.board_slug,
            "feedback_id": self.feedback_id,
            "organisation_id": self.organisation_ids[0],
            "factor_id": self.factor_id,
            "message_id": self.message_id,
            "subscriber_id": self.subscriber_id,
            "user_id": self.people["member"].id,
            "invitation_id": self.invitation_id,
            "tag_id": self.tag_id,
            "note_id": thing.note_id,
            "token": "not-a-valid-token",
            "filename": "style.css",
            "key": thing.attachment_key,
        }


def attach_screenshot(app, session, idea_id: int, uploader_id: int) -> str:
    """A small image, stored and attached to the idea as a customer's upload would be."""
    with app.app_context():
        [stored] = store_images(storage(), [clean_image(picture("PNG"), "shot.png")])
    attach_images(session, idea_id=idea_id, uploader_id=uploader_id, stored=[stored])
    session.commit()
    return stored.key


@pytest.fixture
def world(app, make, session) -> World:
    acme = make.organisation("Acme", domain="acme.example")
    globex = make.organisation("Globex", domain="globex.example")
    built = World(organisation_ids=[acme.id, globex.id])
    built.people = {
        "member": make.user("member@acme.example"),  # joins Acme by its domain
        "outsider": make.user("outsider@globex.example"),
        # A membership row without a proved mailbox must grant nothing (issue 6, defect 4).
        "unverified": make.user("unverified@acme.example", organisation=acme, verified=False),
        "staff": make.user("staff@vendor.example", role=Role.staff),
        "admin": make.user("admin@vendor.example", role=Role.admin),
    }
    author = make.user("author@acme.example")
    for visibility in Visibility:
        board = make.board(
            f"{visibility.value.title()} board",
            visibility=visibility,
            organisations=[acme] if visibility == Visibility.organisations else [],
        )
        title = f"Secret-free {visibility.value} idea"
        idea = make.idea(title, board=board, author=author)
        comment = Comment(idea_id=idea.id, author_id=author.id, body=f"{visibility} comment")
        session.add(comment)
        session.commit()
        release = ReleaseNote(
            title=f"Release for {visibility.value}", slug="release", body="Shipped.",
            category=Category.new, visibility=visibility, published_at=utcnow(),
        )  # fmt: skip
        session.add(release)
        session.flush()
        if visibility == Visibility.organisations:
            session.add(ReleaseNoteAudience(note_id=release.id, organisation_id=acme.id))
        session.commit()
        built.things[visibility] = Thing(
            visibility, board.slug, idea.id, comment.id, title, note_id=release.id,
            attachment_key=attach_screenshot(app, session, idea.id, author.id),
        )  # fmt: skip
        if visibility == Visibility.public:  # so "my activity" offers an unfollow form
            ideas.follow_idea(session, idea=idea, person=built.people["member"])
            session.commit()
    # A planned idea, so the roadmap offers its planning forms to staff.
    make.idea("Planned for spring", board=make.board("Plans"), author=author, stage=Stage.plan)
    person = make.user("caller@globex.example")
    feedback = Feedback(
        person_id=person.id,
        organisation_id=globex.id,
        channel=Channel.support,
        original_words="Please add exports.",
    )
    session.add(feedback)
    session.commit()
    built.feedback_id = feedback.id
    built.factor_id = session.scalar(select(PriorityFactor.id).limit(1))
    undeliverable = OutboxMessage(
        kind="verify_email", to_address="bounced@example.com", context={},
        message_id="<dead@portal.test>", attempts=10, dead_at=utcnow(),
    )  # fmt: skip
    session.add(undeliverable)
    session.commit()
    built.message_id = undeliverable.id
    subscriber = Subscriber(email="reader@example.com", wants_changelog=True, confirmed_at=utcnow())
    session.add(subscriber)
    session.commit()
    built.subscriber_id = subscriber.id
    invitation = Invitation(email="invitee@vendor.example", role=Role.staff, nonce="0" * 32)
    session.add(invitation)
    session.commit()
    built.invitation_id = invitation.id
    tag = Tag(slug="exports", name="Exports")
    session.add(tag)
    session.flush()
    session.add(IdeaTag(idea_id=built.things[Visibility.public].idea_id, tag_id=tag.id))
    session.add(Tag(slug="churn-risk", name="Churn risk", is_private=True))  # to merge into
    session.commit()
    built.tag_id = tag.id
    assert session.scalar(
        select(Membership.id).where(Membership.user_id == built.people["unverified"].id)
    ), "the unverified person must hold a membership row for the test to mean anything"
    return built


@pytest.fixture
def as_viewer(app, world):
    """A test client signed in as one of VIEWERS (anonymous: not signed in)."""

    def client_for(viewer: str):
        client = app.test_client()
        if viewer != "anonymous":
            user = world.people[viewer]
            response = client.post("/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 302, f"{viewer} could not sign in"
        return client

    return client_for


def csrf_token_from(html: str) -> str:
    """The CSRF token a page hands to its forms and to htmx."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
