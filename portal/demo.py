"""Realistic demo data: boards, organisations with ARR and tier, customers, ideas in every stage."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import access
from portal.accounts.models import Membership, Organisation, OrganisationDomain, Role, Tier, User
from portal.accounts.passwords import hash_password
from portal.changelog.models import Category, ReleaseNote, ReleaseNoteIdea
from portal.db import utcnow
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

TAGS = ["Reporting", "Integrations", "Permissions", "Performance", "Notifications", "Export"]

FIRST_NAMES = [
    "Alice", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Gao", "Hannah", "Ivan", "Jia",
    "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tomoko",
]  # fmt: skip
LAST_NAMES = ["Smith", "Wang", "Garcia", "Müller", "Okafor", "Li", "Novak", "Sato", "Kaur", "Rossi"]

SUBJECTS = [
    "dark mode", "CSV export of reports", "single sign-on with Okta", "Slack notifications",
    "bulk edit of shipments", "custom fields on orders", "two-factor authentication",
    "offline mode on mobile", "audit log export", "Salesforce sync", "scheduled reports",
    "role-based permissions per team", "faster dashboard loading", "invoice PDF in Chinese",
    "multi-currency invoices", "webhooks for status changes", "Gantt view of projects",
    "API rate limit increase", "saved filters", "keyboard shortcuts", "Jira integration",
    "push notifications for approvals", "data retention settings", "sub-accounts for branches",
    "WeChat login", "annual billing discount", "usage-based plan", "barcode scanning",
    "print labels from mobile", "Excel import",
]  # fmt: skip
FEATURE_TEMPLATES = ["Add {s}", "Support {s}", "{S} for the whole team", "Please add {s}"]
BUG_TEMPLATES = [
    "{S} fails on large accounts",
    "{S} shows wrong totals",
    "Error 500 with {s}",
    "{S} is very slow since the last update",
]
FEATURE_BODIES = [
    "We run **{n} teams** on Feedloop and this comes up every week.\n\n- today we work around it "
    "by hand\n- it costs us about {h} hours a month",
    "Our competitor already offers this, and two of our prospects asked for it in demos.",
    "This blocks our roll-out to the remaining {n} sites.",
]
BUG_BODIES = [
    "Steps:\n\n1. open the page\n2. choose *All branches*\n3. wait\n\nExpected it to work, "
    "but it does not.",
    "Since last week this fails for **{n} of our users**; we lose about {h} hours a month.",
]
COMMENTS = [
    "We need this too. +1 from our operations team.",
    "Any update on this? It is our most requested item.",
    "Thanks for picking this up! Happy to test a beta.",
    "A workaround we use: export to a spreadsheet and filter there.",
    "This would save us **hours** every week.",
]
STAGE_WEIGHTS = [
    (Stage.collect, 40), (Stage.analyze, 20), (Stage.plan, 18), (Stage.execute, 12),
    (Stage.verify, 10), (Stage.closed, 10), (Stage.declined, 8), (Stage.merged, 2),
]  # fmt: skip
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
    Stage.merged: "Duplicate of an existing idea.",
}
IDEA_COUNT = 120


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
    for index in range(1, 40):
        organisation, domain = organisations[index % len(organisations)]
        first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
        user = person(f"{first.lower()}.{index}@{domain}", f"{first} {last}",
                      days_ago=rng.randint(30, 400))  # fmt: skip
        customers.append(user)
        session.flush()
        session.add(Membership(user_id=user.id, organisation_id=organisation.id))

    boards = []
    for position, (slug, name, description, visibility) in enumerate(BOARDS):
        board = Board(slug=slug, name=name, description=description, visibility=visibility,
                      position=position)  # fmt: skip
        session.add(board)
        boards.append(board)
    tags = [Tag(slug=slugify(name), name=name) for name in TAGS]
    session.add_all(tags)
    session.flush()

    ideas_by_stage: dict[Stage, list[Idea]] = {}
    stages = [stage for stage, _ in STAGE_WEIGHTS]
    weights = [weight for _, weight in STAGE_WEIGHTS]
    for number in range(IDEA_COUNT):
        subject = SUBJECTS[number % len(SUBJECTS)]
        kind = Kind.bug if number % 5 == 4 else Kind.feature
        templates = BUG_TEMPLATES if kind == Kind.bug else FEATURE_TEMPLATES
        # Each subject comes round four times, each time with another template: no two
        # ideas share a title. Only the first letter is raised, so "Okta" and "WeChat" keep theirs.
        template = templates[(number // len(SUBJECTS)) % len(templates)]
        title = template.format(s=subject, S=subject[0].upper() + subject[1:])
        # The first ideas cover every stage; the rest follow a realistic spread.
        stage = stages[number] if number < len(stages) else rng.choices(stages, weights)[0]
        author = rng.choice(customers)
        created = now - timedelta(days=rng.randint(1, 360), hours=rng.randint(0, 23))
        board = boards[number % len(boards)]
        bodies = BUG_BODIES if kind == Kind.bug else FEATURE_BODIES
        body = rng.choice(bodies).format(n=rng.randint(2, 40), h=rng.randint(2, 30))
        idea = Idea(
            board_id=board.id, author_id=author.id, title=title, slug=idea_slug(title), body=body,
            kind=kind, stage=stage, visibility=board.visibility, created_at=created,
            updated_at=created,
        )  # fmt: skip
        if kind == Kind.bug:
            idea.severity = rng.choice(list(Severity))
        if stage in (Stage.plan, Stage.execute):
            idea.horizon = rng.choice(list(Horizon))
        if stage not in (Stage.collect,):
            idea.owner_id = staff.id
        session.add(idea)
        session.flush()
        ideas_by_stage.setdefault(stage, []).append(idea)
        access.set_visibility(session, idea, board)
        for tag in rng.sample(tags, rng.randint(0, 2)):
            session.add(IdeaTag(idea_id=idea.id, tag_id=tag.id))

        path = PATHS[stage]
        moments = sorted(created + (now - created) * rng.random() for _ in path[1:])
        previous = None
        idea.stage_changed_at = moments[-1] if moments else created
        if stage != Stage.collect:
            idea.first_response_at = moments[0]
        if kind == Kind.bug and stage in (Stage.verify, Stage.closed):
            idea.resolved_at = moments[-1]
        for step, moment in zip(path, [created, *moments], strict=True):
            session.add(StageChange(
                idea_id=idea.id, actor_id=None if previous is None else staff.id,
                from_stage=previous, to_stage=step, created_at=moment,
                public_message=MESSAGES.get(step, "") if previous is not None else "",
            ))  # fmt: skip
            previous = step

        voters = {author.id: author, **{c.id: c for c in rng.sample(customers, rng.randint(0, 25))}}
        cast_at = [created + (now - created) * rng.random() for _ in voters]
        for voter, moment in zip(voters.values(), cast_at, strict=True):
            session.add(Vote(idea_id=idea.id, user_id=voter.id, created_at=moment))
            reason = FollowReason.authored if voter is author else FollowReason.voted
            session.add(Follower(idea_id=idea.id, user_id=voter.id, reason=reason))
        idea.vote_count = len(voters)
        idea.trend = trending.total(cast_at)

        comment_count = rng.choice([0, 0, 1, 2, 3])
        for body in rng.sample(COMMENTS, comment_count):  # never the same words twice
            commenter = rng.choice([*customers, staff])
            session.add(Comment(idea_id=idea.id, author_id=commenter.id, body=body,
                                created_at=created + (now - created) * rng.random()))  # fmt: skip
        idea.comment_count = comment_count
    _link_merged_ideas(session, ideas_by_stage)
    _add_feedback(session, rng, customers, organisations, staff, ideas_by_stage)
    session.flush()
    _order_the_roadmap(ideas_by_stage)
    notes = _write_release_notes(session, ideas_by_stage, staff, now)
    session.flush()
    subscribers = _add_subscribers(session, customers, now)
    answers = _answer_the_question(session, rng, ideas_by_stage)
    ensure_default_factors(session)
    _rate_some_ideas(session, rng, ideas_by_stage, staff)
    refresh_all_scores(session)
    session.commit()
    return (
        f"Demo loaded: {len(boards)} boards, {len(organisations)} organisations, "
        f"{len(customers)} customers, {IDEA_COUNT} ideas, {notes} release notes, "
        f"{subscribers} subscribers, {answers} answers to “did it solve your need?”.\n"
        f"Sign in as {DEMO_CUSTOMER} (customer), {DEMO_STAFF} (staff) or {DEMO_ADMIN} (admin), "
        f"password {DEMO_PASSWORD}. Admin id {admin.id}."
    )


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


FEEDBACK = [
    (Channel.lost_deal, "Lost the Northwind deal: they need SSO with Okta before they sign."),
    (Channel.churn, "Cancelled because exporting reports to Excel takes us a day every month."),
    (Channel.nps, "Score 6. The mobile app is slow when we scan barcodes in the warehouse."),
    (Channel.support, "Ticket #4411: invoices show the wrong currency for our Shanghai branch."),
    (Channel.email, "Could you add a dark mode? Our night shift finds the dashboard too bright."),
    (Channel.internal, "Sales: three prospects asked for a Salesforce sync this quarter."),
    (Channel.strategy, "Goal for 2027: win logistics companies in Asia Pacific."),
]


def _link_merged_ideas(session: Session, ideas_by_stage) -> None:
    """Merged demo ideas point at an open idea, as a real merge leaves them."""
    targets = ideas_by_stage.get(Stage.collect, []) + ideas_by_stage.get(Stage.analyze, [])
    for index, idea in enumerate(ideas_by_stage.get(Stage.merged, [])):
        if targets:
            idea.merged_into_id = targets[index % len(targets)].id


def _add_feedback(session, rng, customers, organisations, staff, ideas_by_stage) -> None:
    """Untriaged feedback in the inbox, and some already linked to open ideas."""
    open_ideas = ideas_by_stage.get(Stage.collect, []) + ideas_by_stage.get(Stage.analyze, [])
    now = utcnow()
    for index, (channel, words) in enumerate(FEEDBACK * 2):
        person = customers[(index * 7) % len(customers)]
        organisation = organisations[(index * 7) % len(organisations)][0]
        linked = index >= len(FEEDBACK) and open_ideas
        session.add(Feedback(
            person_id=person.id, organisation_id=organisation.id, channel=channel,
            original_words=words, logged_by_id=staff.id,
            created_at=now - timedelta(days=rng.randint(0, 50)),
            idea_id=rng.choice(open_ideas).id if linked else None,
            linked_at=now if linked else None,
        ))  # fmt: skip


def _rate_some_ideas(session, rng, ideas_by_stage, staff) -> None:
    factors = session.scalars(
        select(PriorityFactor).where(PriorityFactor.source == FactorSource.rating)
    ).all()
    for stage in (Stage.analyze, Stage.plan, Stage.execute):
        for idea in ideas_by_stage.get(stage, []):
            for factor in factors:
                session.add(IdeaRating(idea_id=idea.id, factor_id=factor.id,
                                       value=rng.randint(0, factor.scale_max),
                                       rated_by_id=staff.id))  # fmt: skip
    session.flush()
