"""A published release note, told once to each person concerned.

The followers of its linked ideas (who may see the idea and read the note) get one email listing
the ideas of theirs it delivers, however many they follow; then the changelog subscribers (only
for a note any visitor may read) get it too, minus every address already told of this event.
Roadmap subscribers get it too when it ships an idea any visitor may see. The per-idea
"released" news of the same moves is not sent: this email replaces it.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from portal import access
from portal.changelog.models import ReleaseNote, ReleaseNoteIdea
from portal.events.models import DomainEvent
from portal.ideas.models import Idea, Visibility
from portal.lifecycle.stages import Stage
from portal.markdown import plain_text
from portal.notify.events import idea_context, outbox_row
from portal.notify.links import unsubscribe_url
from portal.notify.models import Cadence, OutboxMessage, Topic
from portal.notify.outbox import absolute_url
from portal.notify.recipients import Recipient, followers_to_notify
from portal.subscribers.service import SubscriberList, enqueue_for_subscribers
from portal.verification.links import answer_links, asked_people

KIND = "release_published"
EXCERPT_LENGTH = 700


def tell_of_release(session: Session, event: DomainEvent) -> None:
    note = session.get(ReleaseNote, event.payload.get("note_id"))
    if note is None or note.published_at is None:
        return
    context = note_context(note)
    already = set(
        session.scalars(select(OutboxMessage.to_address).filter_by(event_id=event.id, kind=KIND))
    )
    people: dict[int, tuple[Recipient, list[dict]]] = {}
    linked = session.scalars(
        select(Idea)
        .join(ReleaseNoteIdea, ReleaseNoteIdea.idea_id == Idea.id)
        .where(ReleaseNoteIdea.note_id == note.id, Idea.stage != Stage.merged)
        .order_by(Idea.vote_count.desc(), Idea.id)
    )
    # One query per linked idea (a note delivers a handful), each through the visibility rule.
    for idea in linked:
        # Those who asked for a released idea are asked, in this email, whether it solved it.
        asked = set()
        if idea.stage == Stage.verify:
            asked = set(session.scalars(asked_people(session, idea)))
        for person in followers_to_notify(session, idea, Topic.stage_changes, actor_id=None,
                                          where=access.people_who_may_read(note)):  # fmt: skip
            if person.cadence == Cadence.off or person.email in already:
                continue
            about = idea_context(idea)
            if person.user_id in asked:
                about.update(answer_links(person.user_id, idea.id))
            people.setdefault(person.user_id, (person, []))[1].append(about)
    messages = [
        outbox_row(event, person, KIND, {**context, **_follower_links(person), "ideas": ideas})
        for person, ideas in people.values()
    ]
    if messages:
        session.execute(insert(OutboxMessage), messages)
    if note.visibility != Visibility.public:
        return  # subscribers read what any visitor may
    session.flush()
    enqueue_for_subscribers(session, wants=SubscriberList.changelog, kind=KIND,
                            context={**context, "subscribed_to": "changelog"},
                            event_id=event.id)  # fmt: skip
    if _ships_a_public_idea(session, event):  # roadmap news: an idea they could see shipped
        enqueue_for_subscribers(session, wants=SubscriberList.roadmap, kind=KIND,
                                context={**context, "subscribed_to": "roadmap"},
                                event_id=event.id)  # fmt: skip


def _ships_a_public_idea(session: Session, event: DomainEvent) -> bool:
    released = event.payload.get("released_idea_ids") or []
    return (
        bool(released)
        and session.scalar(
            select(Idea.id)
            .where(Idea.id.in_(released), access.ideas_visible_to(access.ANONYMOUS))
            .limit(1)
        )
        is not None
    )


def note_context(note: ReleaseNote) -> dict:
    return {
        "note_id": note.id,
        "note_title": note.title,
        "category": note.category.value,
        "why_it_matters": note.why_it_matters,
        "excerpt": plain_text(note.body, EXCERPT_LENGTH),
        "note_url": absolute_url("public.release_note_show", note_id=note.id, slug=note.slug),
    }


def _follower_links(person: Recipient) -> dict:
    return {
        "name": person.display_name,
        # One click stops the news of every idea they follow moving (this is such news).
        "unsubscribe_url": unsubscribe_url(person.user_id, Topic.stage_changes),
        "topic": Topic.stage_changes.value,
        "preferences_url": absolute_url("account.notifications"),
    }
