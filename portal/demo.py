"""Realistic demo data: boards, organisations with ARR and tier, customers, and the ideas of
`portal.demo_catalogue` in every stage, with votes from the organisations that would ask for
each (so demand, score and grade differ from idea to idea), comments, merges, feedback, staff
ratings, a roadmap, release notes and subscribers."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import Membership, Organisation, OrganisationDomain, Role, Tier, User
from portal.accounts.passwords import hash_password
from portal.changelog.models import Category, ReleaseNote, ReleaseNoteIdea
from portal.db import utcnow
from portal.demo_catalogue import (
    BUG_COMMENTS,
    CATALOGUE,
    FEATURE_COMMENTS,
    FEEDBACK,
    TAGS,
    Entry,
)
from portal.feedback.models import Feedback
from portal.ideas import trending
from portal.ideas.models import (
    Board,
    Channel,
    Comment,
    Follower,
    FollowReason,
    Idea,
    IdeaTag,
    Kind,
    Severity,
    Tag,
    Visibility,
    Vote,
)
from portal.ideas.service import idea_slug, slugify
from portal.lifecycle.models import StageChange
from portal.lifecycle.stages import Horizon, Stage
from portal.priority.models import FactorSource, IdeaRating, PriorityFactor
from portal.priority.service import ensure_default_factors, refresh_all_scores

DEMO_PASSWORD = "feedloop-demo"
DEMO_CUSTOMER = "alice@acme.example"
DEMO_STAFF = "sam@feedloop.example"
DEMO_ADMIN = "admin@feedloop.example"

ORGANISATIONS = [
    ("Acme Logistics", "acme.example", Tier.key, 1_200_000, "Logistics", "North America"),
    ("Globex Retail", "globex.example", Tier.key, 850_000, "Retail", "Europe"),
    ("Initech Finance", "initech.example", Tier.standard, 240_000, "Finance", "North America"),
    ("Umbrella Health", "umbrella.example", Tier.standard, 310_000, "Healthcare", "Europe"),
    ("Huali Manufacturing", "huali.example", Tier.key, 960_000, "Manufacturing", "Asia Pacific"),
    ("Stark Education", "stark.example", Tier.standard, 90_000, "Education", "Asia Pacific"),
]

BOARDS = [
    ("web-app", "Web app", "The dashboard, reports and all in the browser.", Visibility.public),
    ("mobile-app", "Mobile app", "Our iOS and Android apps.", Visibility.public),
    ("billing", "Billing", "Invoices, plans and payment methods (customers only).",
     Visibility.customers),
]  # fmt: skip

FIRST_NAMES = [
    "Alice", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Gao", "Hannah", "Ivan", "Jia",
    "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tomoko",
]  # fmt: skip
LAST_NAMES = ["Smith", "Wang", "Garcia", "Müller", "Okafor", "Li", "Novak", "Sato", "Kaur", "Rossi"]

PATHS = {
    Stage.collect: [Stage.collect],
    Stage.analyze: [Stage.collect, Stage.analyze],
    Stage.plan: [Stage.collect, Stage.analyze, Stage.plan],
    Stage.execute: [Stage.collect, Stage.analyze, Stage.plan, Stage.execute],
    Stage.verify: [Stage.collect, Stage.analyze, Stage.plan, Stage.execute, Stage.verify],
    Stage.closed: [Stage.collect, Stage.analyze, Stage.plan, Stage.execute, Stage.verify,
                   Stage.closed],
    Stage.declined: [Stage.collect, Stage.analyze, Stage.declined],
    Stage.merged: [Stage.collect, Stage.merged],
}  # fmt: skip
MESSAGES = {
    Stage.analyze: "Thanks! We are looking into how many teams need this.",
    Stage.plan: "This is on our roadmap.",
    Stage.execute: "Work has started.",
    Stage.verify: "Shipped! Let us know whether it solves your need.",
    Stage.closed: "",
    Stage.declined: "Not for now: it does not fit this year's focus. We keep listening.",
}
IDEA_COUNT = len(CATALOGUE)
# How many people of each asking organisation vote, by who asks (see portal.demo_catalogue).
PEOPLE_PER_ORGANISATION = {"many": (2, 5), "smb": (2, 4), "key": (1, 3), "one": (1, 3)}
# The staff ratings an idea gets, by who asks for it: (lowest, highest) of a 0-5 scale.
RATING_RANGES = {
    "many": (3, 5), "key": (3, 5), "smb": (2, 4), "named": (2, 4), "one": (1, 3), "none": (0, 2),
}  # fmt: skip
SEVERITY_URGENCY = {Severity.s1: 5, Severity.s2: 4, Severity.s3: 2, Severity.s4: 1}


def load_demo(session: Session, *, force: bool = False, seed: int = 42) -> str:
    """Fill an empty database with demo data; refuses to touch one that has users unless forced."""
    if not force and session.scalar(select(func.count(User.id))):
        return "The database already has data: demo not loaded (use --force to add it anyway)."
    rng = random.Random(seed)
    password_hash = hash_password(DEMO_PASSWORD)
    now = utcnow()

    def person(email: str, name: str, role: Role = Role.customer, days_ago: int = 200) -> User:
        user = User(
            email=email, password_hash=password_hash, display_name=name, role=role,
            session_token=secrets.token_hex(16), email_verified_at=now - timedelta(days=days_ago),
            created_at=now - timedelta(days=days_ago),
        )  # fmt: skip
        session.add(user)
        return user

    organisations = []
    for name, domain, tier, arr, industry, region in ORGANISATIONS:
        organisation = Organisation(name=name, tier=tier, arr=arr, industry=industry, region=region)
        organisation.domains = [OrganisationDomain(domain=domain)]
        session.add(organisation)
        organisations.append((organisation, domain))
    admin = person(DEMO_ADMIN, "Ada Admin", Role.admin)
    staff = person(DEMO_STAFF, "Sam Product", Role.staff)
    session.flush()

    customers = [person(DEMO_CUSTOMER, "Alice Smith")]
    session.flush()
    session.add(Membership(user_id=customers[0].id, organisation_id=organisations[0][0].id))
    members = {organisations[0][0].id: [customers[0]]}
    for index in range(1, 40):
        organisation, domain = organisations[index % len(organisations)]
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        user = person(f"{first.lower()}.{index}@{domain}", f"{first} {last}",
                      days_ago=rng.randint(30, 400))  # fmt: skip
        customers.append(user)
        session.flush()
        session.add(Membership(user_id=user.id, organisation_id=organisation.id))
        members.setdefault(organisation.id, []).append(user)

    boards = {}
    for position, (slug, name, description, visibility) in enumerate(BOARDS):
        board = Board(slug=slug, name=name, description=description, visibility=visibility,
                      position=position)  # fmt: skip
        session.add(board)
        boards[slug] = board
    tags = {name: Tag(slug=slugify(name), name=name) for name in TAGS}
    session.add_all(tags.values())
    session.flush()

    asking = _Asking(rng, [o for o, _d in organisations], members)
    ideas_by_stage: dict[Stage, list[Idea]] = {}
    demo_ideas: list[tuple[Entry, Idea]] = []
    for entry in CATALOGUE:
        voters = asking.people(entry.demand)
        author = voters[0]
        board = boards[entry.board]
        created = now - timedelta(days=rng.randint(1, 360), hours=rng.randint(0, 23))
        idea = Idea(
            board_id=board.id, author_id=author.id, title=entry.title,
            slug=idea_slug(entry.title), body=entry.body, kind=entry.kind, stage=entry.stage,
            visibility=board.visibility, created_at=created, updated_at=created,
            severity=entry.severity,
        )  # fmt: skip
        if entry.stage in (Stage.plan, Stage.execute):
            idea.horizon = rng.choice(list(Horizon))
        if entry.stage != Stage.collect:
            idea.owner_id = staff.id
        session.add(idea)
        session.flush()
        ideas_by_stage.setdefault(entry.stage, []).append(idea)
        demo_ideas.append((entry, idea))
        access.set_visibility(session, idea, board)
        for name in entry.tags:
            session.add(IdeaTag(idea_id=idea.id, tag_id=tags[name].id))

        path = PATHS[entry.stage]
        moments = sorted(created + (now - created) * rng.random() for _ in path[1:])
        previous = None
        idea.stage_changed_at = moments[-1] if moments else created
        if entry.stage != Stage.collect:
            idea.first_response_at = moments[0]
        if entry.kind == Kind.bug and entry.stage in (Stage.verify, Stage.closed):
            idea.resolved_at = moments[-1]
        for step, moment in zip(path, [created, *moments], strict=True):
            session.add(StageChange(
                idea_id=idea.id, actor_id=None if previous is None else staff.id,
                from_stage=previous, to_stage=step, created_at=moment,
                public_message=MESSAGES.get(step, "") if previous is not None else "",
            ))  # fmt: skip
            previous = step

        # The author votes first; the others over the idea's life.
        cast_at = [created, *(created + (now - created) * rng.random() for _ in voters[1:])]
        for voter, moment in zip(voters, cast_at, strict=True):
            session.add(Vote(idea_id=idea.id, user_id=voter.id, created_at=moment))
            reason = FollowReason.authored if voter is author else FollowReason.voted
            session.add(Follower(idea_id=idea.id, user_id=voter.id, reason=reason))
        idea.vote_count = len(voters)
        idea.trend = trending.total(cast_at)

        said = entry.comments or tuple(
            rng.sample(BUG_COMMENTS if entry.kind == Kind.bug else FEATURE_COMMENTS,
                       rng.choice([0, 0, 1, 2]))
        )  # fmt: skip
        others = [voter for voter in voters if voter is not author] or customers
        moments = sorted(created + (now - created) * rng.random() for _ in said)
        for body, moment in zip(said, moments, strict=True):
            session.add(Comment(idea_id=idea.id, author_id=rng.choice(others).id, body=body,
                                created_at=moment))  # fmt: skip
        idea.comment_count = len(said)
    session.flush()
    by_title = {idea.title: idea for _entry, idea in demo_ideas}
    _link_merged_ideas(session, demo_ideas, by_title)
    _add_feedback(session, rng, customers, staff, by_title)
    session.flush()
    _order_the_roadmap(ideas_by_stage)
    notes = _write_release_notes(session, ideas_by_stage, staff, now)
    session.flush()
    subscribers = _add_subscribers(session, customers, now)
    answers = _answer_the_question(session, rng, ideas_by_stage)
    ensure_default_factors(session)
    _rate_ideas(session, rng, demo_ideas, staff)
    refresh_all_scores(session)
    session.commit()
    return (
        f"Demo loaded: {len(boards)} boards, {len(organisations)} organisations, "
        f"{len(customers)} customers, {IDEA_COUNT} ideas, {notes} release notes, "
        f"{subscribers} subscribers, {answers} answers to “did it solve your need?”.\n"
        f"Sign in as {DEMO_CUSTOMER} (customer), {DEMO_STAFF} (staff) or {DEMO_ADMIN} (admin), "
        f"password {DEMO_PASSWORD}. Admin id {admin.id}."
    )


class _Asking:
    """Who votes for an idea, by its catalogue `demand`: the skew that makes scores differ."""

    def __init__(self, rng: random.Random, organisations: list[Organisation], members) -> None:
        self.rng, self.organisations, self.members = rng, organisations, members
        self.by_key = {o.domains[0].domain.split(".")[0]: o for o in organisations}

    def people(self, demand: str) -> list[User]:
        """The people asking, the author first."""
        rng = self.rng
        if demand == "none":
            everyone = [user for people in self.members.values() for user in people]
            return [rng.choice(everyone)]
        if demand.startswith("@"):
            chosen, lowest, highest = [self.by_key[k] for k in demand[1:].split("+")], 1, 3
        else:
            lowest, highest = PEOPLE_PER_ORGANISATION[demand]
            key = [o for o in self.organisations if o.tier == Tier.key]
            standard = [o for o in self.organisations if o.tier != Tier.key]
            chosen = {
                "many": lambda: rng.sample(self.organisations, rng.randint(4, 6)),
                "smb": lambda: rng.sample(standard, rng.choice([1, 2, 2, 3])),
                "key": lambda: rng.sample(key, rng.randint(1, 2)),
                "one": lambda: [rng.choice(self.organisations)],
            }[demand]()
        people = []
        for organisation in chosen:
            staff = self.members[organisation.id]
            people += rng.sample(staff, min(len(staff), rng.randint(lowest, highest)))
        rng.shuffle(people)
        return people


# (days ago it was published, or None for the draft, negative for the scheduled one; category;
# how many released ideas it delivers; why it matters; the text).
RELEASE_NOTES = [
    (
        84,
        Category.new,
        2,
        "Month-end reporting takes minutes instead of a day.",
        "You asked, and it is here.\n\n- Open any report\n- Choose **Export**\n\nThanks to "
        "everyone who voted and told us how they use their reports.",
    ),
    (
        57,
        Category.improved,
        1,
        "Less waiting when your team is busiest.",
        "We reworked how pages load. Large accounts see the biggest gains.",
    ),
    (
        31,
        Category.fixed,
        1,
        "",
        "A fix for a problem several of you reported. Thank you for the detailed reports: they "
        "made it quick to find.",
    ),
    (
        9,
        Category.new,
        2,
        "One less tool to switch to.",
        "Two of your most-voted requests ship together.\n\n> Tell us whether it solves your "
        "need: the email we sent has a yes / no link.",
    ),
    (None, Category.improved, 0, "", "Draft: what we are polishing next."),
    (-5, Category.new, 1, "Planned for next week.", "Scheduled: it publishes itself."),
]


def _order_the_roadmap(ideas_by_stage) -> None:
    """Each horizon in a deliberate order, as staff would leave it."""
    planned = ideas_by_stage.get(Stage.execute, []) + ideas_by_stage.get(Stage.plan, [])
    for position, idea in enumerate(planned):
        idea.roadmap_position = position
        idea.horizon = idea.horizon or list(Horizon)[position % len(Horizon)]
    for horizon, idea in zip(Horizon, planned, strict=False):
        idea.horizon = horizon  # at least one card in each column


def _write_release_notes(session, ideas_by_stage, staff, now) -> int:
    """Notes over the last three months, each delivering ideas released that day (their
    history is moved to end then), plus a draft and a scheduled note."""
    shipped = list(ideas_by_stage.get(Stage.verify, []))
    coming = list(ideas_by_stage.get(Stage.execute, []))
    for days, category, count, why, body in RELEASE_NOTES:
        delivered = [shipped.pop(0) for _ in range(min(count, len(shipped)))]
        if days is not None and days < 0:
            delivered = coming[:1]  # ships when the note publishes itself
        title = " · ".join(idea.title for idea in delivered) or "Polishing the dashboard"
        published = None if days is None else now - timedelta(days=days)
        note = ReleaseNote(
            title=title[:160], slug=slugify(title) or "release", body=body, why_it_matters=why,
            category=_category_of(delivered, category),
            published_at=published, author_id=staff.id,
            announced_at=published if days is not None and days >= 0 else None,
            created_at=(published or now) - timedelta(days=2),
        )  # fmt: skip
        session.add(note)
        session.flush()
        for idea in delivered:
            session.add(ReleaseNoteIdea(note_id=note.id, idea_id=idea.id))
            if days is not None and days >= 0:
                _released_on(session, idea, published, note.title)
    return len(RELEASE_NOTES)


SUBSCRIBERS = [
    ("ops-lead@northwind.example", True, True, "en"),
    ("cto@globex.example", True, False, "en"),
    ("product@initech.example", False, True, "en"),
    ("li.wei@shanghai-freight.example", True, True, "zh"),
    ("news@umbrella.example", True, False, "en"),
    ("wang.fang@cathay-logistics.example", False, True, "zh"),
    ("it@hooli.example", True, True, "en"),
    ("pm@vandelay.example", True, False, "en"),
]
UNCONFIRMED_SUBSCRIBER = "maybe-later@stark.example"
ANSWER_COMMENTS_YES = ["Exactly what we needed, thank you!", "Saves us hours every week.", ""]
ANSWER_COMMENTS_NO = ["Close, but we also need it for archived shipments.", ""]


def _add_subscribers(session, customers, now) -> int:
    """People on the mailing lists without an account, one still to confirm, and the demo
    customer subscribed from her account."""
    from portal.subscribers.models import Subscriber
    from portal.subscribers.service import add_confirmed_subscriber

    for email, changelog, roadmap, language in SUBSCRIBERS:
        add_confirmed_subscriber(session, email=email, changelog=changelog, roadmap=roadmap,
                                 language=language)  # fmt: skip
    add_confirmed_subscriber(session, email=customers[0].email, changelog=True, roadmap=False)
    session.add(Subscriber(email=UNCONFIRMED_SUBSCRIBER, wants_changelog=True, created_at=now))
    session.flush()
    return len(SUBSCRIBERS) + 1  # confirmed ones


def _answer_the_question(session, rng, ideas_by_stage) -> int:
    """Most of those asked about a released idea say whether it solved their need."""
    from portal.verification.links import asked_people
    from portal.verification.service import record_answer

    answers = 0
    for idea in ideas_by_stage.get(Stage.verify, []):
        for user_id in list(session.scalars(asked_people(session, idea))):
            if rng.random() < 0.35:
                continue  # not everyone answers
            solved = rng.random() < 0.75
            comment = rng.choice(ANSWER_COMMENTS_YES if solved else ANSWER_COMMENTS_NO)
            record_answer(session, idea=idea, person=session.get(User, user_id), solved=solved,
                          comment=comment)  # fmt: skip
            answers += 1
    return answers


def _category_of(delivered, planned: Category) -> Category:
    """Fixed when every idea delivered is a bug; otherwise new or improved, as planned."""
    if delivered and all(idea.kind == Kind.bug for idea in delivered):
        return Category.fixed
    return Category.improved if planned == Category.fixed else planned


def _released_on(session, idea, moment, message: str) -> None:
    """Rewrite a demo idea's history so that it reached `verify` at `moment`."""
    changes = session.scalars(
        select(StageChange).where(StageChange.idea_id == idea.id).order_by(StageChange.id)
    ).all()
    if idea.created_at >= moment:
        idea.created_at = moment - timedelta(days=45)
    steps = max(len(changes) - 1, 1)
    for index, change in enumerate(changes):
        change.created_at = idea.created_at + (moment - idea.created_at) * index / steps
    changes[-1].public_message = message
    idea.stage_changed_at = moment
    if idea.resolved_at is not None:
        idea.resolved_at = moment
    idea.first_response_at = changes[1].created_at if len(changes) > 1 else None


def _link_merged_ideas(session: Session, demo_ideas, by_title) -> None:
    """Each duplicate points at the idea it repeats, as a real merge leaves it: its votes,
    followers, tags and comments moved to that idea (one vote per person)."""
    from portal.lifecycle.service import _move_unique_rows, _recount

    for entry, source in demo_ideas:
        if entry.duplicate_of is None:
            continue
        target = by_title[entry.duplicate_of]
        for model, person in ((Vote, Vote.user_id), (Follower, Follower.user_id),
                              (IdeaTag, IdeaTag.tag_id)):  # fmt: skip
            _move_unique_rows(session, model, person, source.id, target.id)
        session.execute(
            update(Comment).where(Comment.idea_id == source.id).values(idea_id=target.id)
        )
        _recount(session, source)
        _recount(session, target)
        source.merged_into_id = target.id
        last = session.scalars(
            select(StageChange).where(StageChange.idea_id == source.id)
            .order_by(StageChange.id.desc()).limit(1)
        ).one()  # fmt: skip
        last.public_message = f"Merged into #{target.id}"


def _add_feedback(session, rng, customers, staff, by_title) -> None:
    """Untriaged feedback in the inbox, and some already linked to the ideas it asks for."""
    now = utcnow()
    rows = session.execute(select(Membership.user_id, Membership.organisation_id))
    organisation_of = {user_id: organisation_id for user_id, organisation_id in rows}
    for index, (channel, words, title) in enumerate(FEEDBACK):
        person = customers[(index * 7) % len(customers)]
        idea = by_title[title] if title else None
        session.add(Feedback(
            person_id=person.id, organisation_id=organisation_of.get(person.id),
            channel=Channel(channel), original_words=words, logged_by_id=staff.id,
            created_at=now - timedelta(days=rng.randint(0, 50)),
            idea_id=idea.id if idea else None, linked_at=now if idea else None,
        ))  # fmt: skip


def _rate_ideas(session, rng, demo_ideas, staff) -> None:
    """Staff rate every idea they looked at, the more asked-for ones higher; a bug's urgency
    follows its severity; declined ideas fit the strategy least."""
    factors = {
        factor.name: factor
        for factor in session.scalars(
            select(PriorityFactor).where(PriorityFactor.source == FactorSource.rating)
        )
    }
    for entry, idea in demo_ideas:
        if entry.stage in (Stage.collect, Stage.merged):
            continue
        demand = "named" if entry.demand.startswith("@") else entry.demand
        lowest, highest = RATING_RANGES[demand]
        for name, factor in factors.items():
            value = rng.randint(lowest, highest)
            if name == "Effort":
                value = rng.randint(1, 5)
            elif name == "Urgency" and entry.severity:
                value = SEVERITY_URGENCY[entry.severity]
            elif name == "Urgency":  # a key account's deal makes it urgent; mostly it is not
                value = rng.randint(2, 5) if demand in ("key", "named") else rng.randint(0, 3)
            elif name == "Strategic fit" and entry.stage == Stage.declined:
                value = rng.randint(0, 1)
            session.add(IdeaRating(idea_id=idea.id, factor_id=factor.id,
                                   value=min(value, factor.scale_max),
                                   rated_by_id=staff.id))  # fmt: skip
    session.flush()
