"""People who sign in, the customer companies they belong to, and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.roles import ADMIN_ROLES, STAFF_ROLES, Role

__all__ = [
    "Membership",
    "Organisation",
    "OrganisationDomain",
    "Role",
    "SignInLink",
    "Tier",
    "User",
]


class Tier(StrEnum):
    key = "key"
    standard = "standard"


def enum_column(enum_type: type[StrEnum], name: str):
    """Enums stored as their lowercase value, with a CHECK constraint on every backend."""
    return Enum(
        enum_type,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [member.value for member in members],
    )


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    tier: Mapped[Tier] = mapped_column(enum_column(Tier, "tier"), default=Tier.standard)
    arr: Mapped[int] = mapped_column(BigInteger, default=0)
    industry: Mapped[str] = mapped_column(String(80), default="")
    region: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    domains: Mapped[list[OrganisationDomain]] = relationship(
        back_populates="organisation", lazy="raise", cascade="all, delete-orphan"
    )


class OrganisationDomain(Base):
    __tablename__ = "organisation_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(255), unique=True)

    organisation: Mapped[Organisation] = relationship(back_populates="domains", lazy="raise")


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        # Staff pick lists (owners, filters) read the few staff among many customers.
        Index("ix_user_account_role_name", "role", "display_name"),
        # The admin's people list: by role newest first, and by name prefix (any case).
        Index("ix_user_account_role_id", "role", "id"),
        Index("ix_user_account_blocked_id", "blocked_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.customer)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    # The browser's language when they last signed in: email follows it for someone whose
    # profile says "same as my browser" (email has no browser to ask).
    browser_language: Mapped[str | None] = mapped_column(String(8), default=None)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Changing it invalidates every "remember me" cookie and reset link issued before.
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written by the sign-in itself (one UPDATE), never on an ordinary request.
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A blocked person cannot sign in, post, vote, comment or follow, and gets no email.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    blocked_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    # Flask-Login's protocol
    is_active = True
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def email_language(self) -> str:
        return self.language or self.browser_language or "en"

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role in ADMIN_ROLES


# Search by name prefix in any case: a range on lower(display_name).
Index("ix_user_account_name_lower", func.lower(User.display_name))


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignInLink(Base):
    """A one-time sign-in link sent by email (portal/accounts/signin_links.py). Only hashes are
    kept: of the link's token, of the code the email shows, and of the requesting browser's
    nonce. Used once (`used_at`), dead after `expires_at` or too many wrong codes."""

    __tablename__ = "sign_in_link"
    __table_args__ = (Index("ix_sign_in_link_user_id", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    browser_hash: Mapped[str] = mapped_column(String(64))
    next_path: Mapped[str] = mapped_column(String(500), default="")
    wrong_codes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
