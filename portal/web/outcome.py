"""The one shape of a form's write: run the service call, commit, or show why it was refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from portal.db import db
from portal.errors import DomainError, DuplicateTitle

T = TypeVar("T")


class Refused:
    """The result of a change the domain refused; its message is already on the form."""

    def __bool__(self) -> bool:
        return False


REFUSED = Refused()


def commit_or_refuse(form, change: Callable[[], T]) -> T | Refused:
    """Run `change` (one service call) and commit. On a refusal, roll back everything it did
    and put its message on `form`, for the view to re-render with 422."""
    try:
        result = change()
    except DomainError as refusal:
        db.session.rollback()
        form.form_errors.append(str(refusal.message))
        form.refusal = refusal  # for a view that says more (a link to the duplicate idea)
        return REFUSED
    db.session.commit()
    return result


def duplicate_of(form):
    """The idea a refused title duplicates (the form links to it: vote instead), if that was
    why the change was refused."""
    refusal = getattr(form, "refusal", None)
    return refusal.existing if isinstance(refusal, DuplicateTitle) else None
