"""Plain keyword factories for test data, committed so the app under test sees it."""

from __future__ import annotations

import functools
import itertools

from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import Membership, Organisation, OrganisationDomain, Role, Tier
from portal.accounts.passwords import hash_password
from portal.accounts.service import create_user
from portal.ideas import service as ideas
from portal.ideas.models import Board, BoardAudience, Idea, Kind, Visibility
from portal.lifecycle.models import StageChange
from portal.lifecycle.stages import Stage

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


class Factory:
    """Each method first commits, ending the test session's read snapshot, so what the requests
    committed meanwhile is seen and SQLite does not refuse the write as stale."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def fresh(self) -> None:
        """Forget what the test session had loaded: read again what requests committed."""
        self.session.commit()
        self.session.expire_all()

    def organisation(self, name: str | None = None, *, domain: str | None = None,
                     tier: Tier = Tier.standard, arr: int = 100_000) -> Organisation:  # fmt: skip
        self.session.commit()
        number = next(_sequence)
        organisation = Organisation(name=name or f"Org {number}", tier=tier, arr=arr)
        self.session.add(organisation)
        self.session.flush()
        if domain:
            self.session.add(OrganisationDomain(organisation_id=organisation.id, domain=domain))
        self.session.commit()
        return organisation

    def user(
        self,
        email: str | None = None,
        *,
        name: str = "Casey Customer",
        role: Role = Role.customer,
        organisation: Organisation | None = None,
        verified: bool = True,
        language: str | None = None,
    ):
        self.session.commit()
        user = create_user(
            self.session,
            email=email or f"person{next(_sequence)}@example.com",
            password_hash=_password_hash(),
            display_name=name,
            role=role,
            verified=verified,
            language=language,
        )
        if organisation is not None:
            self.session.add(Membership(user_id=user.id, organisation_id=organisation.id))
        self.session.commit()
        return user

    def staff(self, **kwargs):
        return self.user(role=Role.staff, name="Sam Staff", **kwargs)

    def board(
        self,
        name: str | None = None,
        *,
        visibility: Visibility = Visibility.public,
        organisations: list[Organisation] = (),
    ) -> Board:
        self.session.commit()
        number = next(_sequence)
        name = name or f"Board {number}"
        board = Board(slug=f"{ideas.slugify(name)}-{number}", name=name, visibility=visibility)
        self.session.add(board)
        self.session.flush()
        self.session.add_all(
            BoardAudience(board_id=board.id, organisation_id=o.id) for o in organisations
        )
        self.session.commit()
        return board

    def idea(
        self,
        title: str = "Export reports to CSV",
        *,
        board: Board | None = None,
        author=None,
        body: str = "We need this every month.",
        kind: Kind = Kind.feature,
        stage: Stage = Stage.collect,
        visibility: Visibility | None = None,
        organisations: list[Organisation] | None = None,
    ) -> Idea:
        self.session.commit()
        board = board or self.board()
        author = author or self.user()
        idea = ideas.submit_idea(
            self.session, board=board, author=author, title=title, body=body, kind=kind
        )
        if visibility is not None or organisations is not None:
            access.set_visibility(
                self.session,
                idea,
                board,
                visibility,
                [o.id for o in organisations] if organisations is not None else None,
            )
        if stage != Stage.collect:
            self.session.add(StageChange(idea_id=idea.id, from_stage=Stage.collect, to_stage=stage))
            idea.stage = stage
        self.session.commit()
        return idea
