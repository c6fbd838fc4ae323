"""Sign-up, verification, sign-in, password reset and profile changes."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import Membership, Organisation, OrganisationDomain, Role, Tier, User
from portal.accounts.passwords import check_password
from portal.audit.service import record
from portal.db import utcnow
from portal.errors import DomainError, InvalidLink, LinkAlreadyUsed, SignupClosed
from portal.notify.outbox import absolute_url, enqueue

VERIFY_SALT = "verify-email"
RESET_SALT = "reset-password"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def create_user(
    session: Session,
    *,
    email: str,
    password_hash: str,
    display_name: str,
    role: Role = Role.customer,
    language: str | None = None,
    verified: bool = False,
) -> User:
    """A new account; verified accounts join their organisation by email domain at once.

    The caller hashes the password before its write transaction opens (hashing is slow)."""
    user = User(
        email=normalise_email(email),
        password_hash=password_hash,
        display_name=display_name.strip(),
        role=role,
        language=language,
        session_token=secrets.token_hex(16),
        email_verified_at=utcnow() if verified else None,
    )
    session.add(user)
    session.flush()
    if verified:
        join_organisation_by_domain(session, user)
    return user


def register_customer(
    session: Session,
    *,
    email: str,
    password_hash: str,
    display_name: str,
    language: str | None,
    next_path: str | None = None,
) -> User | None:
    """Create a customer and email a verification link.

    An address that already has an account gets an email saying so instead, and the caller shows
    the same message either way, so the form does not reveal who is registered. SignupClosed
    (nothing created, nothing sent) when the workspace's sign-up rule does not admit the address.
    """
    check_signup_allowed(session, email)
    existing = get_user_by_email(session, email)
    if existing is not None:
        enqueue(
            session,
            kind="account_exists",
            to=existing.email,
            language=existing.email_language,
            context={
                "name": _greeting_name(existing),
                "signin_url": absolute_url("account.signin"),
                "reset_url": absolute_url("account.forgot_password"),
            },
        )
        return None
    user = create_user(
        session,
        email=email,
        password_hash=password_hash,
        display_name=display_name,
        language=language,
    )
    send_verification(session, user, next_path)
    return user


SIGNUP_INVITED_ONLY = _l(
    "Sign-up is by invitation only. If you were invited, follow the link in your invitation email."
)
SIGNUP_KNOWN_DOMAINS_ONLY = _l(
    "Sign-up is open only to email addresses of the organisations this portal serves. Use your "
    "work email, or ask the portal's team for an invitation."
)


def check_signup_allowed(session: Session, email: str) -> None:
    """Raise SignupClosed unless the workspace's sign-up rule admits `email` (decided by the
    rule and the address's domain alone: never by whether an account exists)."""
    # Settings sit above accounts (they record to the audit log through access): imported here.
    from portal.settings.service import SignupRule, get_access

    rule = get_access(session).signup
    if rule == SignupRule.invited:
        raise SignupClosed(SIGNUP_INVITED_ONLY)
    if rule == SignupRule.domains:
        domain = normalise_email(email).rsplit("@", 1)[-1]
        known = session.scalar(
            select(OrganisationDomain.id).where(OrganisationDomain.domain == domain)
        )
        if known is None:
            raise SignupClosed(SIGNUP_KNOWN_DOMAINS_ONLY)


def _greeting_name(user: User) -> str:
    """The name to greet someone by in email: only one its owner has proved the address for,
    since anyone may type any name and address into the sign-up form."""
    return user.display_name if user.is_verified else ""


def send_verification(session: Session, user: User, next_path: str | None = None) -> None:
    """Email a link that proves the address, and then leads to `next_path`. The name typed at
    sign-up is left out: anyone can type any address into the form, and the portal must not
    carry their words to it."""
    claims = {"user": user.id, "email": user.email, "token": user.session_token}
    if next_path:
        claims["next"] = next_path
    token = _serializer(VERIFY_SALT).dumps(claims)
    enqueue(
        session,
        kind="verify_email",
        to=user.email,
        language=user.email_language,
        context={
            "verify_url": absolute_url("account.verify_email", token=token),
            "hours": current_app.config["VERIFY_LINK_MAX_AGE"] // 3600,
        },
    )


def send_verification_again(session: Session, email: str) -> None:
    """A new link for an address still waiting to be verified; nothing (and the same answer)
    for any other address."""
    user = get_user_by_email(session, email)
    if user is not None and not user.is_verified:
        send_verification(session, user)


def verify_email(session: Session, token: str) -> tuple[User, str | None]:
    """Mark the address as verified and join the organisation its domain belongs to.

    The link works once: it is no way to sign in again later, and a password reset (which
    rotates the session token it carries) ends it too.
    """
    max_age = current_app.config["VERIFY_LINK_MAX_AGE"]
    try:
        claims = _serializer(VERIFY_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired) as error:
        raise InvalidLink() from error
    user = _user_by_id_claim(session, claims)
    if (
        user is None
        or user.email != claims.get("email")
        or not secrets.compare_digest(user.session_token, str(claims.get("token")))
    ):
        raise InvalidLink()
    if user.email_verified_at is not None:
        raise LinkAlreadyUsed()
    user.email_verified_at = utcnow()
    join_organisation_by_domain(session, user)
    session.flush()
    return user, claims.get("next")


def _user_by_id_claim(session: Session, claims) -> User | None:
    user_id = claims.get("user") if isinstance(claims, dict) else None
    return session.get(User, user_id) if isinstance(user_id, int) else None


def join_organisation_by_domain(session: Session, user: User) -> None:
    """A person whose (verified) email domain belongs to an organisation becomes its member."""
    domain = user.email.rsplit("@", 1)[-1]
    organisation_id = session.scalar(
        select(OrganisationDomain.organisation_id).where(OrganisationDomain.domain == domain)
    )
    if organisation_id is not None:
        add_membership(session, user, organisation_id)


def add_membership(session: Session, user: User, organisation_id: int) -> None:
    """Make the person a member of the organisation (once); their votes weigh for it at once."""
    already = session.scalar(
        select(Membership.id).filter_by(user_id=user.id, organisation_id=organisation_id)
    )
    if already is None:
        session.add(Membership(user_id=user.id, organisation_id=organisation_id))
        session.flush()
        _refresh_demand(session, _votes_of(user.id))


def _refresh_demand(session: Session, idea_ids) -> None:
    # Ideas sit above accounts: imported here, where a membership or an organisation changes
    # under votes already cast, so the import arrows still run one way at load time.
    from portal.priority.service import refresh_demand

    refresh_demand(session, idea_ids)


def _votes_of(user_id: int):
    from portal.ideas.models import Vote

    return select(Vote.idea_id).where(Vote.user_id == user_id)


def _votes_of_members(organisation_id: int):
    from portal.ideas.models import Vote

    return (
        select(Vote.idea_id)
        .join(Membership, Membership.user_id == Vote.user_id)
        .where(Membership.organisation_id == organisation_id)
    )


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The user whose email and password match, or None.

    The hash check is slow on purpose: give this a reading session, never a write transaction.
    """
    user = get_user_by_email(session, email)
    if not check_password(user.password_hash if user else None, password) or user is None:
        return None
    return user


def end_all_sessions(session: Session, user: User) -> None:
    """Sign the person out everywhere: every session and "remember me" cookie stops working."""
    user.session_token = secrets.token_hex(16)
    session.flush()


def load_user_for_session(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: the id carries a token that a password change rotates."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return None if user.is_blocked else user


def record_sign_in(session: Session, user_id: int) -> None:
    """Note when the person signed in: one UPDATE per sign-in, never a write on an ordinary
    request."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(last_signed_in_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def store_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    """Keep a hash computed before the transaction (an upgrade to today's parameters)."""
    user = session.get(User, user_id)
    if user is not None:
        user.password_hash = password_hash
        session.flush()


def request_password_reset(session: Session, email: str) -> None:
    """Email a reset link if the address has an account; say nothing either way."""
    user = get_user_by_email(session, email)
    if user is None or user.is_blocked:
        return
    token = _serializer(RESET_SALT).dumps({"user": user.id, "token": user.session_token})
    enqueue(
        session,
        kind="reset_password",
        to=user.email,
        language=user.email_language,
        context={
            "name": _greeting_name(user),
            "reset_url": absolute_url("account.reset_password", token=token),
            "minutes": current_app.config["RESET_LINK_MAX_AGE"] // 60,
        },
    )


def user_for_reset_token(session: Session, token: str) -> User:
    max_age = current_app.config["RESET_LINK_MAX_AGE"]
    try:
        claims = _serializer(RESET_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired) as error:
        raise InvalidLink() from error
    user = _user_by_id_claim(session, claims)
    if user is None or not secrets.compare_digest(user.session_token, str(claims.get("token"))):
        raise InvalidLink()
    return user


def reset_password(session: Session, token: str, password_hash: str) -> User:
    """Set a new password; the link, and every other session of the person, stop working."""
    user = user_for_reset_token(session, token)
    user.password_hash = password_hash
    user.session_token = secrets.token_hex(16)
    if user.email_verified_at is None:
        # Following a link sent to the address proves it as well as the verification link does.
        user.email_verified_at = utcnow()
        join_organisation_by_domain(session, user)
    session.flush()
    return user


def update_profile(session: Session, user: User, *, display_name: str, language: str | None,
                   browser_language: str | None = None):  # fmt: skip
    """Name and language; "same as my browser" remembers what the browser asks for now, since
    email has no browser to ask."""
    user.display_name = display_name.strip()
    user.language = language or None
    if browser_language:
        user.browser_language = browser_language
    session.flush()


class OrganisationRefused(DomainError):
    pass


def save_organisation(
    session: Session,
    *,
    actor: User,
    organisation: Organisation | None,
    name: str,
    domains: list[str],
    tier: Tier,
    arr: int,
    industry: str,
    region: str,
) -> Organisation:
    """Create or update an organisation; verified people of its domains become members."""
    name = name.strip()
    clash = session.scalar(select(Organisation.id).where(Organisation.name == name))
    if clash is not None and (organisation is None or clash != organisation.id):
        raise OrganisationRefused(
            _l("An organisation called “%(name)s” exists already.", name=name)
        )
    domains = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    taken = session.execute(
        select(OrganisationDomain.domain, Organisation.name)
        .join(Organisation)
        .where(OrganisationDomain.domain.in_(domains))
        .where(Organisation.id != (organisation.id if organisation else -1))
    ).first()
    if taken is not None:
        raise OrganisationRefused(
            _l("%(domain)s already belongs to %(name)s.", domain=taken[0], name=taken[1])
        )
    if organisation is None:
        organisation = Organisation(name=name)
        session.add(organisation)
    organisation.name, organisation.tier, organisation.arr = name, tier, arr
    organisation.industry, organisation.region = industry.strip(), region.strip()
    session.flush()
    session.execute(
        delete(OrganisationDomain).where(
            OrganisationDomain.organisation_id == organisation.id,
            OrganisationDomain.domain.not_in(domains),
        )
    )
    current = set(
        session.scalars(
            select(OrganisationDomain.domain).where(
                OrganisationDomain.organisation_id == organisation.id
            )
        )
    )
    for domain in set(domains) - current:
        session.add(OrganisationDomain(organisation_id=organisation.id, domain=domain))
    session.flush()
    for user in session.scalars(
        select(User).where(User.email_verified_at.is_not(None), _email_in_domains(domains))
    ):
        join_organisation_by_domain(session, user)
    # Its ARR or tier may have changed under the votes of its members.
    _refresh_demand(session, _votes_of_members(organisation.id))
    record(session, actor_id=actor.id, action="organisation.saved", target_type="organisation",
           target_id=organisation.id, name=name, tier=tier, arr=arr, domains=domains)  # fmt: skip
    return organisation


def _email_in_domains(domains: list[str]):
    from sqlalchemy import false, or_

    if not domains:
        return false()
    return or_(*(User.email.like(f"%@{domain}") for domain in domains))
