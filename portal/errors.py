"""Refusals by the domain, each carrying a message fit to show the person who asked."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    message = _l("That cannot be done.")
    status = 422

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class VotingClosed(DomainError):
    message = _l("This idea no longer takes votes.")


class CommentingClosed(DomainError):
    message = _l("This idea no longer takes comments.")


class EditWindowClosed(DomainError):
    message = _l("Comments can only be edited for 15 minutes after posting.")


class NotAllowed(DomainError):
    message = _l("You may not do that.")
    status = 403


class EmailNotVerified(DomainError):
    message = _l("Please verify your email address first: we sent you a link.")
    status = 403


class InvalidLink(DomainError):
    message = _l("This link is invalid or has expired. Ask for a new one.")
    status = 400


class LinkAlreadyUsed(InvalidLink):
    message = _l("This link has been used already. Sign in with your password instead.")


class PersonBlocked(DomainError):
    message = _l("Your account is blocked: you can no longer post, vote, comment or follow.")
    status = 403


class IdeaEditWindowClosed(DomainError):
    message = _l("Ideas can only be edited by their author for 30 minutes after posting.")


class DuplicateTitle(DomainError):
    """An open idea on the same board already has this title; `existing` is that idea, so the
    form can link to it (vote for it instead)."""

    message = _l("An open idea on this board already has this title: vote for it instead.")

    def __init__(self, existing):
        self.existing = existing
        super().__init__()


class RestoreWindowClosed(DomainError):
    message = _l("This idea was deleted more than 30 days ago: it can no longer be restored.")


class SignupClosed(DomainError):
    """The workspace lets only some people sign up (admin settings, "Access and sign-up")."""

    status = 403


class SignInLinkRefused(InvalidLink):
    """An emailed sign-in link that cannot sign anyone in (wrong code, used, expired)."""

    message = _l("This sign-in link is invalid, used or expired. Ask for a new one.")


class ImageRefused(DomainError):
    """An upload that is not an image we accept (its message says which rule it broke)."""

    message = _l("This file is not an image we accept: use PNG, JPEG, GIF or WebP.")
