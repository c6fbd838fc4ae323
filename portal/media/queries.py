"""What pages read about attachments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from portal.access import Viewer, can_moderate
from portal.ideas.models import Comment
from portal.media.models import Attachment


@dataclass(frozen=True)
class AttachmentRow:
    key: str
    filename: str
    width: int
    height: int


def attachments_on_page(
    session: Session | Connection, idea_id: int, comment_ids: Sequence[int]
) -> dict[int | None, list[AttachmentRow]]:
    """The images of an idea (under None) and of the comments shown (under each comment's id),
    oldest first, in one statement served by ix_attachment_idea_comment."""
    found: dict[int | None, list[AttachmentRow]] = {}
    parameters = {"idea_id": idea_id, "comment_ids": list(comment_ids)}
    for comment_id, key, filename, width, height in session.execute(_ON_PAGE, parameters):
        found.setdefault(comment_id, []).append(AttachmentRow(key, filename, width, height))
    return found


# Built once (the idea and the comments are parameters): building it costs more than running it.
_ON_PAGE = (
    select(Attachment.comment_id, Attachment.key, Attachment.filename, Attachment.width,
           Attachment.height)
    .where(
        Attachment.idea_id == bindparam("idea_id"),
        or_(Attachment.comment_id.is_(None),
            Attachment.comment_id.in_(bindparam("comment_ids", expanding=True))),
    )
    .order_by(Attachment.id)
)  # fmt: skip


def attachment_to_serve(
    session: Session, viewer: Viewer, idea_id: int, key: str
) -> Attachment | None:
    """The attachment `key` of idea `idea_id` (an idea already found visible to `viewer`) if
    the viewer may see where it is shown: on the idea, or on a comment they may read (internal
    notes and hidden comments only for those who moderate, as the idea page shows them)."""
    found = session.execute(
        select(Attachment, Comment.is_internal, Comment.hidden_at)
        .outerjoin(Comment, Comment.id == Attachment.comment_id)
        .where(Attachment.key == key, Attachment.idea_id == idea_id)
    ).first()
    if found is None:
        return None
    attachment, is_internal, hidden_at = found
    on_unreadable_comment = attachment.comment_id is not None and (
        is_internal or hidden_at is not None
    )
    if on_unreadable_comment and not can_moderate(viewer):
        return None
    return attachment


def keys_of_comment(session: Session, comment_id: int) -> list[str]:
    """The storage keys of a comment's images (to delete the files once the comment is gone)."""
    return list(session.scalars(select(Attachment.key).where(Attachment.comment_id == comment_id)))
