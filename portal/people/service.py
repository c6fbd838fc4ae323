"""Members and roles: invite staff, admins or customers, accept an invitation, change a role,
block and unblock.

Every change is recorded in the audit log. No change may leave the portal without an admin who
can sign in: the admins' rows are locked first (PostgreSQL does not serialise writers), so two
admins demoting or blocking each other at once cannot both succeed."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.accounts.models import Organisation, User
from portal.accounts.service import (
    add_membership,
    create_user,
    get_user_by_email,
    join_organisation_by_domain,
    normalise_email,
)
from portal.audit.service import record
from portal.db import utcnow
from portal.errors import DomainError, InvalidLink, LinkAlreadyUsed, NotAllowed, PersonBlocked
from portal.notify.outbox import absolute_url, enqueue
from portal.people.models import Invitation
from portal.roles import Role

INVITATION_SALT = "invitation"
INVITABLE_ROLES = (Role.customer, Role.staff, Role.admin)
RANK = {Role.customer: 0, Role.staff: 1, Role.admin: 2}


class PeopleRefused(DomainError):
    """A change to members and roles that the rules refuse."""


LAST_ADMIN = _l("There must always be an admin who can sign in: make someone else an admin first.")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def _lock_admins(session: Session, actor: User) -> set[int]:
    """The ids of the admins who can sign in, their rows locked until the transaction ends;
    refuses an actor who is no longer one of them (demoted or blocked meanwhile)."""
    admins = set(
        session.scalars(
            select(User.id)
            .where(User.role == Role.admin, User.blocked_at.is_(None))
            .order_by(User.id)
            .with_for_update()
        )
    )
    if actor.id not in admins:
        raise NotAllowed()
    return admins


def _person(session: Session, person_id: int) -> User:
    """The person's row as it is now (not as the request loaded it), locked."""
    person = session.scalar(
        select(User)
        .where(User.id == person_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if person is None:
        raise PeopleRefused(_l("There is no such person."))
    return person


def change_role(session: Session, *, actor: User, person_id: int, role: Role) -> User:
    """Make someone a customer, staff or an admin; the last admin stays one."""
    admins = _lock_admins(session, actor)
    person = _person(session, person_id)
    if person.role == role:
        return person
    if person.id in admins and role != Role.admin and len(admins) == 1:
        raise PeopleRefused(LAST_ADMIN)
    previous, person.role = person.role, role
    session.flush()
    record(session, actor_id=actor.id, action="person.role_changed", target_type="person",
           target_id=person.id, previous=previous.value, role=role.value)  # fmt: skip
    return person


def block(session: Session, *, actor: User, person_id: int, reason: str = "") -> User:
    """Block a person: signed out everywhere at once, refused sign-in, posting, voting,
    commenting and following, sent no more email. What they wrote stays."""
    admins = _lock_admins(session, actor)
    person = _person(session, person_id)
    if person.id == actor.id:
        raise PeopleRefused(_l("You cannot block yourself."))
    if person.id in admins and len(admins) == 1:
        raise PeopleRefused(LAST_ADMIN)
    reason = (reason or "").strip()[:500]
    if person.blocked_at is None:
        person.blocked_at = utcnow()
    person.blocked_reason = reason
    person.session_token = secrets.token_hex(16)  # every session and "remember me" ends
    session.flush()
    record(session, actor_id=actor.id, action="person.blocked", target_type="person",
           target_id=person.id, reason=reason)  # fmt: skip
    return person


def unblock(session: Session, *, actor: User, person_id: int) -> User:
    """Let a blocked person in again."""
    _lock_admins(session, actor)
    person = _person(session, person_id)
    if person.blocked_at is None:
        return person
    person.blocked_at = None
    person.blocked_reason = ""
    session.flush()
    record(session, actor_id=actor.id, action="person.unblocked", target_type="person",
           target_id=person.id)  # fmt: skip
    return person


def invite(
    session: Session,
    *,
    actor: User,
    email: str,
    display_name: str,
    role: Role,
    organisation_id: int | None = None,
) -> Invitation:
    """Invite someone by email: to the team (an address with a customer account is welcome:
    accepting upgrades that account), or as a customer, who may be made a member of an
    organisation (the only way in when sign-up is by invitation only)."""
    if role not in INVITABLE_ROLES:
        raise PeopleRefused(_l("Invite people as customers, staff or admins."))
    email = normalise_email(email)
    organisation = None
    if organisation_id is not None:
        if role != Role.customer:
            raise PeopleRefused(_l("Only a customer's invitation can name an organisation."))
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise PeopleRefused(_l("There is no such organisation."))
    existing = get_user_by_email(session, email)
    if existing is not None and role == Role.customer:
        raise PeopleRefused(_l("%(email)s already has an account.", email=email))
    if existing is not None and RANK[existing.role] >= RANK[role]:
        raise PeopleRefused(_l("%(email)s is already on the team.", email=email))
    pending = session.scalar(
        select(Invitation.id).where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    )
    if pending is not None:
        raise PeopleRefused(
            _l("%(email)s has been invited already: resend that invitation instead.", email=email)
        )
    invitation = Invitation(
        email=email,
        display_name=(display_name or "").strip(),
        role=role,
        nonce=secrets.token_hex(16),
        invited_by_id=actor.id,
        organisation_id=organisation.id if organisation else None,
    )
    session.add(invitation)
    session.flush()
    _send(session, invitation, actor, organisation)
    details = {"organisation_name": organisation.name} if organisation else {}
    record(session, actor_id=actor.id, action="invitation.sent", target_type="invitation",
           target_id=invitation.id, email=email, role=role.value, **details)  # fmt: skip
    return invitation


def _pending(session: Session, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        raise PeopleRefused(_l("This invitation is no longer pending."))
    return invitation


def resend_invitation(session: Session, *, actor: User, invitation_id: int) -> Invitation:
    """A fresh link (full validity again); the links sent before stop working."""
    invitation = _pending(session, invitation_id)
    invitation.nonce = secrets.token_hex(16)
    invitation.sent_at = utcnow()
    session.flush()
    organisation = _organisation_of(session, invitation)
    _send(session, invitation, actor, organisation)
    record(session, actor_id=actor.id, action="invitation.resent", target_type="invitation",
           target_id=invitation.id, email=invitation.email)  # fmt: skip
    return invitation


def revoke_invitation(session: Session, *, actor: User, invitation_id: int) -> Invitation:
    """The link stops working."""
    invitation = _pending(session, invitation_id)
    invitation.revoked_at = utcnow()
    session.flush()
    record(session, actor_id=actor.id, action="invitation.revoked", target_type="invitation",
           target_id=invitation.id, email=invitation.email)  # fmt: skip
    return invitation


def _organisation_of(session: Session, invitation: Invitation) -> Organisation | None:
    """The organisation a customer's invitation joins, if it names one still there."""
    if invitation.organisation_id is None:
        return None
    return session.get(Organisation, invitation.organisation_id)


def invitation_token(invitation: Invitation) -> str:
    """The signed token of the invitation's current link (it carries the time it was made)."""
    return _serializer().dumps({"i": invitation.id, "n": invitation.nonce})


def invitation_path(invitation: Invitation) -> str:
    """The site path of the invitation's current link."""
    url = absolute_url("account.accept_invitation", token=invitation_token(invitation))
    return url.removeprefix(current_app.config["BASE_URL"])


def _send(
    session: Session, invitation: Invitation, actor: User, organisation: Organisation | None
) -> None:
    token = invitation_token(invitation)
    enqueue(
        session,
        kind="invitation",
        to=invitation.email,
        language=actor.email_language,
        context={
            "name": invitation.display_name,
            "inviter": actor.display_name,
            "role": invitation.role.value,
            "organisation": organisation.name if organisation else "",
            "accept_url": absolute_url("account.accept_invitation", token=token),
            "days": current_app.config["INVITATION_LINK_MAX_AGE"] // (24 * 3600),
        },
    )


def invitation_for_token(session: Session, token: str) -> Invitation:
    """The pending invitation a link stands for; InvalidLink for a forged, expired, replaced or
    revoked one, LinkAlreadyUsed for an accepted one."""
    max_age = current_app.config["INVITATION_LINK_MAX_AGE"]
    try:
        claims = _serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired) as error:
        raise InvalidLink() from error
    invitation_id = claims.get("i") if isinstance(claims, dict) else None
    invitation = session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(claims.get("n"))):
        raise InvalidLink()
    if invitation.accepted_at is not None:
        raise LinkAlreadyUsed()
    if invitation.revoked_at is not None:
        raise InvalidLink()
    return invitation


def accept_invitation(
    session: Session, *, token: str, display_name: str, password_hash: str | None
) -> User:
    """Set up the invitee's account, verified, with the invited role (an existing account keeps
    a higher role, and its password unless a new one is given) and, for a customer invited into
    an organisation, its membership. The link works once.

    The caller hashes the password before its write transaction opens."""
    invitation = invitation_for_token(session, token)
    taken = session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.nonce == invitation.nonce,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )  # fmt: skip
        .values(accepted_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise LinkAlreadyUsed()
    person = get_user_by_email(session, invitation.email)
    name = (display_name or "").strip() or invitation.display_name or invitation.email
    if person is None:
        if not password_hash:
            raise PeopleRefused(_l("Choose a password."))
        person = create_user(session, email=invitation.email, password_hash=password_hash,
                             display_name=name, role=invitation.role, verified=True)  # fmt: skip
    else:
        _upgrade(session, person, invitation, name, password_hash)
    invitation.accepted_by_id = person.id
    organisation = _organisation_of(session, invitation)
    if organisation is not None:
        add_membership(session, person, organisation.id)
    session.flush()
    details = {"organisation_name": organisation.name} if organisation else {}
    record(session, actor_id=person.id, action="invitation.accepted", target_type="person",
           target_id=person.id, invitation=invitation.id, role=person.role.value,
           **details)  # fmt: skip
    return person


def _upgrade(session: Session, person: User, invitation: Invitation, name: str,
             password_hash: str | None) -> None:  # fmt: skip
    if person.is_blocked:
        raise PersonBlocked()
    if RANK[invitation.role] > RANK[person.role]:
        person.role = invitation.role
    person.display_name = name
    if password_hash:
        person.password_hash = password_hash
        person.session_token = secrets.token_hex(16)
    if person.email_verified_at is None:
        person.email_verified_at = utcnow()  # the link went to the address: that proves it
        join_organisation_by_domain(session, person)
    session.flush()
