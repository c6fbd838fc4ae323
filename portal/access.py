"""THE visibility rule (PRODUCT.md, "Who sees what"), in one place.

The same rule exists twice on purpose: as a SQL predicate for every list, search, suggestion and
recipient query, and as a Python predicate for a thing already in hand. A table test pins the two
together. A person who may not see something gets 404, never a hint that it exists.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    delete,
    false,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from portal.accounts.models import Membership, User
from portal.ideas.models import Board, BoardAudience, Idea, IdeaAudience, Visibility
from portal.roles import ADMIN_ROLES, STAFF_ROLES, Role

NARROWNESS = {
    Visibility.public: 0,
    Visibility.customers: 1,
    Visibility.organisations: 2,
    Visibility.internal: 3,
}


@dataclass(frozen=True)
class Viewer:
    """Who is looking: what the rule needs to know about a person, loaded once per request."""

    user_id: int | None = None
    role: Role | None = None
    organisation_ids: frozenset[int] = field(default_factory=frozenset)
    is_verified: bool = False

    @property
    def is_signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES


ANONYMOUS = Viewer()


# Role abilities: the one place a role is compared. Services, views and (through the
# `viewer_can_*` flags) templates ask these, never the role itself.
def can_use_admin(viewer: Viewer | User) -> bool:
    """Staff and admins work in /admin; to anyone else it does not exist (404)."""
    return viewer.is_staff


def can_change_settings(viewer: Viewer | User) -> bool:
    """Settings, factors, the audit log and undeliverable email: admins only (403 for staff)."""
    return viewer.is_admin


def can_moderate(viewer: Viewer | User) -> bool:
    """Hide and show comments, write internal notes."""
    return viewer.is_staff


def can_manage_tags(viewer: Viewer | User) -> bool:
    """Create, rename, merge and delete tags, and see the private ones (staff only)."""
    return viewer.is_staff


def may_open_private_portal(viewer: Viewer | User) -> bool:
    """A private portal opens only to people who signed in and proved their mailbox (and to
    staff): an unverified account sees what an anonymous visitor sees, i.e. nothing."""
    return viewer.is_staff or bool(viewer.is_verified)


def abilities(viewer: Viewer) -> dict[str, bool]:
    """The `viewer_can_*` flags every template receives."""
    return {
        "viewer_can_use_admin": can_use_admin(viewer),
        "viewer_can_change_settings": can_change_settings(viewer),
        "viewer_can_moderate": can_moderate(viewer),
    }


def viewer_for(session: Session, user: User | None) -> Viewer:
    """The Viewer of a signed-in user (one query for their organisations), or ANONYMOUS."""
    if user is None:
        return ANONYMOUS
    if not user.is_verified:
        # Until the mailbox is proved, an account sees what an anonymous visitor sees and
        # belongs to no organisation, whatever membership rows staff may have recorded.
        return Viewer(user_id=user.id, role=user.role)
    organisation_ids = session.scalars(
        select(Membership.organisation_id).where(Membership.user_id == user.id)
    )
    return Viewer(
        user_id=user.id,
        role=user.role,
        organisation_ids=frozenset(organisation_ids),
        is_verified=True,
    )


def _levels_open_to(viewer: Viewer) -> list[Visibility]:
    levels = [Visibility.public]
    if viewer.is_verified:
        levels.append(Visibility.customers)
    return levels


def can_see(viewer: Viewer, visibility: Visibility, audience: Iterable[int]) -> bool:
    """Python form of the rule, for one thing whose visibility and audience are in hand."""
    if viewer.is_staff or visibility in _levels_open_to(viewer):
        return True
    return visibility == Visibility.organisations and bool(
        viewer.organisation_ids.intersection(audience)
    )


def _visible_clause(visibility_column, audience_owner_ids) -> ColumnElement[bool]:
    """SQL form of the rule: `audience_owner_ids(viewer)` selects the things listing the viewer's
    organisations."""

    def clause(viewer: Viewer) -> ColumnElement[bool]:
        if viewer.is_staff:
            return true()
        # Equalities, not IN: an IN list is expanded into the SQL again at every execution of
        # a statement built once.
        allowed = or_(*(visibility_column == level for level in _levels_open_to(viewer)))
        if not viewer.organisation_ids:
            return allowed
        return or_(
            allowed,
            and_(
                visibility_column == Visibility.organisations,
                audience_owner_ids(sorted(viewer.organisation_ids)),
            ),
        )

    return clause


_ideas_by_audience = _visible_clause(
    Idea.visibility,
    lambda organisation_ids: Idea.id.in_(
        select(IdeaAudience.idea_id).where(IdeaAudience.organisation_id.in_(organisation_ids))
    ),
)


def ideas_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """WHERE clause: the ideas `viewer` may know exist. An idea deleted as spam exists for
    nobody, staff included (only the admin's "Deleted ideas" page lists it)."""
    if viewer.is_staff:
        return not_deleted()
    return and_(not_deleted(), _ideas_by_audience(viewer))


def not_deleted() -> ColumnElement[bool]:
    """WHERE clause: ideas not deleted as spam (staff lists that skip the rule add it)."""
    return Idea.deleted_at.is_(None)


boards_visible_to = _visible_clause(
    Board.visibility,
    lambda organisation_ids: Board.id.in_(
        select(BoardAudience.board_id).where(BoardAudience.organisation_id.in_(organisation_ids))
    ),
)
boards_visible_to.__doc__ = "WHERE clause: the boards `viewer` may know exist."


def release_notes_visible_to(viewer: Viewer) -> ColumnElement[bool]:
    """WHERE clause: the release notes `viewer` may read (the same rule as ideas)."""
    from portal.changelog.models import ReleaseNote, ReleaseNoteAudience

    return _visible_clause(
        ReleaseNote.visibility,
        lambda organisation_ids: ReleaseNote.id.in_(
            select(ReleaseNoteAudience.note_id).where(
                ReleaseNoteAudience.organisation_id.in_(organisation_ids)
            )
        ),
    )(viewer)


def people_who_may_see(idea: Idea) -> ColumnElement[bool]:
    """WHERE clause on User: who may be told about `idea` (its recipients form of the rule).

    Only verified addresses: news never goes to a mailbox nobody has proved, and an unverified
    account sees what an anonymous visitor sees anyway.
    """
    if idea.deleted_at is not None:
        return false()  # deleted as spam: nobody hears of it any more
    audience = select(IdeaAudience.organisation_id).where(IdeaAudience.idea_id == idea.id)
    return _recipients(idea.visibility, audience)


def people_who_may_read(note) -> ColumnElement[bool]:
    """WHERE clause on User: who may be sent release note `note` (the same rule)."""
    from portal.changelog.models import ReleaseNoteAudience

    audience = select(ReleaseNoteAudience.organisation_id).where(
        ReleaseNoteAudience.note_id == note.id
    )
    return _recipients(note.visibility, audience)


def _recipients(visibility: Visibility, audience) -> ColumnElement[bool]:
    # Blocked people get no email at all.
    verified = and_(User.email_verified_at.is_not(None), User.blocked_at.is_(None))
    staff = User.role.in_(STAFF_ROLES)
    if visibility == Visibility.internal:
        return and_(verified, staff)
    if visibility in (Visibility.public, Visibility.customers):
        return verified
    members = select(Membership.user_id).where(Membership.organisation_id.in_(audience))
    return and_(verified, or_(staff, User.id.in_(members)))


def get_visible_idea_or_404(session: Session, viewer: Viewer, idea_id: int) -> Idea:
    idea = session.scalar(_visible_idea(viewer), {"idea_id": idea_id})
    if idea is None:
        abort(404)
    return idea


@functools.lru_cache(maxsize=512)
def _visible_idea(viewer: Viewer):
    """Built once per viewer (the id is a parameter): every vote and idea page runs it."""
    return select(Idea).where(Idea.id == bindparam("idea_id"), ideas_visible_to(viewer))


def get_visible_board_or_404(session: Session, viewer: Viewer, slug: str) -> Board:
    board = session.scalar(_visible_board(viewer), {"slug": slug})
    if board is None:
        abort(404)
    return board


@functools.lru_cache(maxsize=512)
def _visible_board(viewer: Viewer):
    """Built once per viewer (the slug is a parameter): building it costs more than running it."""
    return select(Board).where(Board.slug == bindparam("slug"), boards_visible_to(viewer))


def narrower(first: Visibility, second: Visibility) -> Visibility:
    return first if NARROWNESS[first] >= NARROWNESS[second] else second


def set_visibility(
    session: Session,
    idea: Idea,
    board: Board,
    visibility: Visibility | None = None,
    organisation_ids: Iterable[int] | None = None,
) -> None:
    """Store the idea's effective visibility: the narrower of its board's and its own choice.

    For `organisations`, the audience is the idea's own list when given, kept within the board's
    list when the board is itself restricted to organisations.
    """
    effective = narrower(board.visibility, visibility or board.visibility)
    idea.own_visibility = visibility
    idea.visibility = effective
    session.flush()
    session.execute(delete(IdeaAudience).where(IdeaAudience.idea_id == idea.id))
    if effective != Visibility.organisations:
        return
    board_audience = set(
        session.scalars(
            select(BoardAudience.organisation_id).where(BoardAudience.board_id == board.id)
        )
    )
    audience = set(organisation_ids) if organisation_ids is not None else board_audience
    if board.visibility == Visibility.organisations:
        audience &= board_audience
    session.add_all(IdeaAudience(idea_id=idea.id, organisation_id=o) for o in sorted(audience))
    session.flush()


def set_board_visibility(
    session: Session, board: Board, visibility: Visibility, organisation_ids: Iterable[int] = ()
) -> None:
    """Change who may see a board, and with it every idea on it, in a few statements whatever
    the board's size: each idea becomes the narrower of the board's new visibility and its own
    choice; ideas that follow the board take the board's organisations."""
    board.visibility = visibility
    session.execute(delete(BoardAudience).where(BoardAudience.board_id == board.id))
    audience = sorted(set(organisation_ids)) if visibility == Visibility.organisations else []
    session.add_all(BoardAudience(board_id=board.id, organisation_id=o) for o in audience)
    session.flush()
    on_board = Idea.board_id == board.id
    session.execute(
        update(Idea).where(on_board, Idea.own_visibility.is_(None)).values(visibility=visibility)
    )
    for own in Visibility:
        session.execute(
            update(Idea)
            .where(on_board, Idea.own_visibility == own)
            .values(visibility=narrower(visibility, own))
        )
    # An idea keeps its own list of organisations (within the board's, when the board lists
    # some); every other idea that is now `organisations` takes the board's list.
    own_list = and_(
        Idea.own_visibility == Visibility.organisations,
        Idea.visibility == Visibility.organisations,
    )
    keeps_own = select(Idea.id).where(on_board, own_list)
    session.execute(
        delete(IdeaAudience).where(
            IdeaAudience.idea_id.in_(select(Idea.id).where(on_board)),
            or_(
                IdeaAudience.idea_id.not_in(keeps_own),
                IdeaAudience.organisation_id.not_in(audience)
                if visibility == Visibility.organisations
                else false(),
            ),
        )
    )
    takes_board_list = (
        select(Idea.id, BoardAudience.organisation_id)
        .join(BoardAudience, BoardAudience.board_id == Idea.board_id)
        .where(
            on_board,
            Idea.visibility == Visibility.organisations,
            or_(Idea.own_visibility.is_(None), Idea.own_visibility != Visibility.organisations),
        )
    )
    session.execute(
        insert(IdeaAudience).from_select(["idea_id", "organisation_id"], takes_board_list)
    )
    session.expire_all()
