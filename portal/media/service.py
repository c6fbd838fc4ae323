"""Storing re-encoded images and recording them as attachments.

A view checks and re-encodes every upload first (`images.clean_image`), then `store_images`
writes the files, then one service call records the rows and the view commits; if the commit does
not happen, `discard` removes the files again (portal/web/uploads.py does all three), so neither
a file without a row nor a row without its file is left behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.media.images import CleanImage
from portal.media.models import Attachment
from portal.media.storage import Storage, new_key

THUMBNAIL_SUFFIX = "-t"


@dataclass(frozen=True)
class StoredImage:
    """A clean image written to storage under `key` (its thumbnail under key + "-t")."""

    key: str
    image: CleanImage


def thumbnail_key(key: str) -> str:
    return key + THUMBNAIL_SUFFIX


def store_images(storage: Storage, images: Sequence[CleanImage]) -> list[StoredImage]:
    """Write each image and its thumbnail under a new random key; on any failure, what was
    already written is removed before the error goes on."""
    stored: list[StoredImage] = []
    try:
        for image in images:
            key = new_key()
            storage.put(key, image.data)
            stored.append(StoredImage(key=key, image=image))
            storage.put(thumbnail_key(key), image.thumbnail)
    except BaseException:
        discard(storage, stored)
        raise
    return stored


def discard(storage: Storage, stored: Sequence[StoredImage]) -> None:
    """Remove files whose rows were not committed."""
    for item in stored:
        storage.delete(item.key)
        storage.delete(thumbnail_key(item.key))


def attach_images(
    session: Session,
    *,
    idea_id: int,
    uploader_id: int,
    stored: Sequence[StoredImage],
    comment_id: int | None = None,
) -> list[Attachment]:
    """Record stored images as attachments of an idea, or of one of its comments."""
    rows = [
        Attachment(
            key=item.key,
            idea_id=idea_id,
            comment_id=comment_id,
            uploader_id=uploader_id,
            content_type=item.image.content_type,
            thumbnail_type=item.image.thumbnail_content_type,
            filename=item.image.filename,
            width=item.image.width,
            height=item.image.height,
            size=item.image.size,
        )
        for item in stored
    ]
    session.add_all(rows)
    session.flush()
    return rows
