"""The private-portal gate: ONE check in front of every request, not one per view.

When an admin makes the portal private (`settings.get_access(...).is_private`), only a signed-in
person with a proved mailbox (or staff) may open anything. Everyone else may reach only the
endpoints listed in OPEN_TO_EVERYONE: signing in and up, the password reset, the emailed sign-in
link, invitations, and the signed one-click links email carries (verification, unsubscribe,
subscription confirmation, "did it solve your need?"), plus static files and robots.txt (which
then says `Disallow: /`). Any other page sends an anonymous visitor to sign in; feeds, the
sitemap and JSON answers are 404 (nothing to parse, nothing leaked), htmx requests 401 with an
`HX-Redirect` to the sign-in page. A signed-in person who has not yet proved their address is
asked to do so. The admin area keeps its own guard (404 to anyone but staff).

A new endpoint is closed in private mode unless added here: forgetting it fails safe.
"""

from __future__ import annotations

from flask import Flask, Response, abort, g, redirect, request, url_for
from flask_login import current_user

from portal import access
from portal.db import db
from portal.pagecache.generation import remembered
from portal.settings.service import PortalAccess, get_access
from portal.web.redirects import local_path
from portal.web.render import is_htmx, render

OPEN_TO_EVERYONE = frozenset(
    {
        "static",
        "health.healthz",
        "public.robots_txt",
        "public.favicon",
        "public.choose_language",
        "account.signin",
        "account.signup",
        "account.signout",
        "account.forgot_password",
        "account.reset_password",
        "account.verify_email",
        "account.verification_again",
        "account.resend_verification",
        "account.accept_invitation",
        "account.signin_link_request",
        "account.signin_link",
        "account.unsubscribe",
        "account.solved_answer",
        "public.subscription_confirm",
        "public.subscription_stop",
    }
)
# Answers that are not pages: a redirect to a sign-in form means nothing to a feed reader or a
# script, so these are simply not there.
NOT_PAGES = frozenset({"public.changelog_feed", "public.sitemap_xml", "public.ideas_similar"})
# Areas with a guard of their own that must keep answering as they do (admin: 404 to non-staff).
OWN_GUARD = frozenset({"admin"})


def portal_access() -> PortalAccess:
    """The access setting, read once per request in a reading session of its own (a POST's
    session would otherwise take SQLite's write lock before a sign-in's slow password check)."""
    if "portal_access" not in g:
        g.portal_access = remembered("portal_access", _read_access)
    return g.portal_access


def _read_access() -> PortalAccess:
    with db.reading() as reading:
        return get_access(reading)


def is_private() -> bool:
    return portal_access().is_private


def guard_private_portal():
    """before_request: let through what OPEN_TO_EVERYONE lists and those who may open the
    portal; answer everyone else as the module docstring says."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_TO_EVERYONE or request.blueprint in OWN_GUARD:
        return None
    # Asked first: people who may open a private portal need no read of the setting.
    if access.may_open_private_portal(g.viewer) or not is_private():
        return None
    if endpoint in NOT_PAGES or request.path.startswith("/api/"):
        abort(404)
    if current_user.is_authenticated:  # signed in, address not yet proved
        return render("account/verify_first.html", status=403, email=current_user.email)
    signin = url_for("account.signin", next=_next_path())
    if is_htmx():
        return Response(status=401, headers={"HX-Redirect": signin})
    return redirect(signin)


def _next_path() -> str:
    """Where to come back to after signing in: the page asked for (never a POST's target)."""
    if request.method != "GET":
        return url_for("public.home")
    return local_path(request.full_path.rstrip("?")) or url_for("public.home")


def register_private_portal_gate(app: Flask) -> None:
    """Install the gate; it runs after the viewer is known (register it after build_viewer)."""
    app.before_request(guard_private_portal)
