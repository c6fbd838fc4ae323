"""Module tags as staff manage them: create, rename, colour, private, merge and delete.

A tag's slug (its name in `?tag=` links) is chosen once, when the tag is made, and never
changes: renaming a tag keeps every shared link to a filtered board working, and a new tag
whose name would take a slug already held gets a numbered one ("export-2"). Services flush,
never commit; every change is in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import User
from portal.audit.service import record
from portal.errors import DomainError, NotAllowed
from portal.ideas.models import IdeaTag, Tag, TagColour, colour_class
from portal.ideas.service import slugify

NAME_LENGTH = 40  # Tag.name's and Tag.slug's column length
FALLBACK_SLUG = "tag"  # for a name with no letter or digit (only emoji, say)


class TagRefused(DomainError):
    message = _l("That cannot be done to this tag.")


@dataclass(frozen=True)
class TagBadge:
    """A tag as an idea shows it: its colour is a palette name, drawn as the CSS class
    `tag-<colour>`; `is_private` only ever reaches staff."""

    name: str
    colour: str
    is_private: bool = False

    def __str__(self) -> str:
        return self.name

    @property
    def css_class(self) -> str:
        return colour_class(self.colour)


def visible_tags(viewer: access.Viewer):
    """WHERE clause: the tags `viewer` may know exist (private ones are for staff)."""
    return true() if access.can_manage_tags(viewer) else Tag.is_private.is_(False)


@dataclass(frozen=True)
class TagRow:
    """A tag on the staff list, with the number of ideas that carry it."""

    id: int
    slug: str
    name: str
    colour: str
    is_private: bool
    idea_count: int

    @property
    def css_class(self) -> str:
        return colour_class(self.colour)


def list_tags_with_usage(session: Session) -> list[TagRow]:
    """Every tag, by name, with how many ideas carry it: one grouped statement (a workspace has
    tens of tags; the count reads idea_tag's tag_id index)."""
    rows = session.execute(
        select(Tag.id, Tag.slug, Tag.name, Tag.colour, Tag.is_private, func.count(IdeaTag.id))
        .outerjoin(IdeaTag, IdeaTag.tag_id == Tag.id)
        .group_by(Tag.id, Tag.slug, Tag.name, Tag.colour, Tag.is_private)
        .order_by(Tag.name, Tag.id)
    )
    return [TagRow(*row) for row in rows]


def get_tag(session: Session, tag_id: int) -> Tag | None:
    return session.get(Tag, tag_id)


def create_tag(
    session: Session,
    *,
    actor: User,
    name: str,
    colour: str = TagColour.grey,
    is_private: bool = False,
) -> Tag:
    """A new tag; a name already taken (ignoring case) is refused."""
    _require_staff(actor)
    name = _checked_name(session, name)
    tag = Tag(slug=unique_slug(session, name), name=name, colour=_checked_colour(colour),
              is_private=bool(is_private))  # fmt: skip
    try:
        with session.begin_nested():
            session.add(tag)
    except IntegrityError:  # the same name, created by someone else at this very moment
        raise TagRefused(_l("There is already a tag named “%(name)s”.", name=name)) from None
    record(session, actor_id=actor.id, action="tag.created", target_type="tag",
           target_id=tag.id, name=tag.name, colour=tag.colour, private=tag.is_private)  # fmt: skip
    return tag


def update_tag(
    session: Session, *, actor: User, tag: Tag, name: str, colour: str, is_private: bool
) -> Tag:
    """Rename, recolour, make private or public; the slug stays. Records what changed."""
    _require_staff(actor)
    name = _checked_name(session, name, keeping=tag)
    changes = {}
    if name != tag.name:
        changes["name"] = [tag.name, name]
        tag.name = name
    colour = _checked_colour(colour)
    if colour != tag.colour:
        changes["colour"] = [tag.colour, colour]
        tag.colour = colour
    if bool(is_private) != tag.is_private:
        changes["private"] = [tag.is_private, bool(is_private)]
        tag.is_private = bool(is_private)
    if changes:
        record(session, actor_id=actor.id, action="tag.updated", target_type="tag",
               target_id=tag.id, **changes)  # fmt: skip
    session.flush()
    return tag


def merge_tags(session: Session, *, actor: User, source: Tag, target: Tag) -> int:
    """Move every idea tagged `source` to `target` (an idea with both keeps one), then delete
    `source`. Returns how many ideas were newly tagged `target`."""
    _require_staff(actor)
    if source.id == target.id:
        raise TagRefused(_l("A tag cannot be merged into itself."))
    already = select(IdeaTag.idea_id).where(IdeaTag.tag_id == target.id).scalar_subquery()
    session.execute(
        delete(IdeaTag).where(IdeaTag.tag_id == source.id, IdeaTag.idea_id.in_(already))
    )
    moved = session.execute(
        update(IdeaTag).where(IdeaTag.tag_id == source.id).values(tag_id=target.id)
    ).rowcount
    record(session, actor_id=actor.id, action="tag.merged", target_type="tag",
           target_id=target.id, source_id=source.id, source_name=source.name,
           into=target.name, ideas_moved=moved)  # fmt: skip
    session.delete(source)
    session.flush()
    return moved


def delete_tag(session: Session, *, actor: User, tag: Tag) -> int:
    """Delete a tag; the ideas that carried it lose it. Returns how many did."""
    _require_staff(actor)
    removed = session.execute(delete(IdeaTag).where(IdeaTag.tag_id == tag.id)).rowcount
    record(session, actor_id=actor.id, action="tag.deleted", target_type="tag",
           target_id=tag.id, name=tag.name, ideas=removed)  # fmt: skip
    session.delete(tag)
    session.flush()
    return removed


def tags_named(session: Session, names: list[str]) -> list[Tag]:
    """The tags staff typed on an idea, created when new: a name matches a tag of that name
    (ignoring case) or, failing that, one whose name reads the same as a slug ("Mobile app",
    "mobile-app"). A renamed tag is found by its new name, never by its old slug."""
    existing = list(session.scalars(select(Tag)))
    by_name = {tag.name.casefold(): tag for tag in existing}
    by_slug = {slugify(tag.name, NAME_LENGTH): tag for tag in existing}
    found: dict[int, Tag] = {}
    for raw in names:
        name = raw.strip()[:NAME_LENGTH].strip()
        if not name:
            continue
        tag = by_name.get(name.casefold()) or by_slug.get(slugify(name, NAME_LENGTH) or None)
        if tag is None:
            tag = Tag(slug=unique_slug(session, name), name=name)
            session.add(tag)
            session.flush()
            by_name[name.casefold()] = by_slug[slugify(name, NAME_LENGTH)] = tag
        found[tag.id] = tag
    return list(found.values())


def unique_slug(session: Session, name: str) -> str:
    """A slug for a new tag named `name`, numbered when another tag holds it already."""
    base = slugify(name, NAME_LENGTH) or FALLBACK_SLUG
    taken = set(session.scalars(select(Tag.slug)))
    slug, number = base, 1
    while slug in taken:
        number += 1
        suffix = f"-{number}"
        slug = base[: NAME_LENGTH - len(suffix)].rstrip("-") + suffix
    return slug


def _checked_name(session: Session, name: str, keeping: Tag | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise TagRefused(_l("A tag needs a name."))
    if len(name) > NAME_LENGTH:
        raise TagRefused(_l("A tag's name has at most %(num)d characters.", num=NAME_LENGTH))
    others = session.execute(select(Tag.id, Tag.name).where(Tag.id != getattr(keeping, "id", 0)))
    if any(other.casefold() == name.casefold() for _, other in others):
        raise TagRefused(_l("There is already a tag named “%(name)s”.", name=name))
    return name


def _checked_colour(colour: str) -> str:
    if colour not in TagColour.__members__:
        raise TagRefused(_l("Choose a colour from the list."))
    return TagColour(colour).value


def _require_staff(actor: User) -> None:
    if not access.can_manage_tags(actor):
        raise NotAllowed()
