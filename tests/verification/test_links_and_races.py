"""The answer page as a browser meets it: its form carries a CSRF token even without a
sign-in, an old link expires, and two answers at once leave one answer and right counts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from portal.db import utcnow
from portal.ideas.models import Idea
from portal.lifecycle import service as lifecycle
from portal.lifecycle.stages import Stage
from portal.verification.links import LINK_MAX_AGE, answer_url
from portal.verification.models import VerificationAnswer
from tests.security.conftest import csrf_token_from


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def released(scene, app, session):
    idea = session.get(Idea, scene.idea.id)
    with app.app_context():
        lifecycle.move_idea(session, idea=idea, actor=None, target=Stage.verify)
    session.commit()
    return scene


def path_of(app, user_id: int, idea_id: int, solved: bool) -> str:
    with app.app_context():
        return answer_url(user_id, idea_id, solved).removeprefix(app.config["BASE_URL"])


def count_answers(session) -> int:
    session.commit()
    return session.scalar(select(func.count(VerificationAnswer.id)))


def test_the_answer_needs_the_token_of_the_page_it_was_sent_from(released, app, session):
    path = path_of(app, released.author.id, released.idea.id, True)
    browser = app.test_client()  # never signed in
    token = csrf_token_from(browser.get(path).get_data(as_text=True))
    assert browser.post(path, data={"solved": "yes"}).status_code == 400
    stranger = app.test_client()
    assert stranger.post(path, data={"solved": "yes", "csrf_token": token}).status_code == 400
    assert count_answers(session) == 0
    sent = browser.post(path, data={"solved": "yes", "csrf_token": token})
    assert sent.status_code == 200 and "Thank you" in sent.get_data(as_text=True)
    assert count_answers(session) == 1


def test_a_link_older_than_its_age_says_so(released, app, session):
    path = path_of(app, released.author.id, released.idea.id, True)
    with time_machine.travel(utcnow() + timedelta(seconds=LINK_MAX_AGE + 3600), tick=False):
        page = app.test_client().get(path)
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)


def test_two_answers_at_once_leave_one_answer_and_right_counts(released, app, session):
    path = path_of(app, released.voter.id, released.idea.id, False)
    browsers = []
    for _ in range(2):
        browser = app.test_client()
        token = csrf_token_from(browser.get(path).get_data(as_text=True))
        browsers.append((browser, token))
    barrier = threading.Barrier(len(browsers), timeout=30)
    statuses, errors = [], []

    def answer(browser, token, solved):
        try:
            barrier.wait()
            response = browser.post(path, data={"solved": solved, "csrf_token": token})
            statuses.append(response.status_code)
        except Exception as error:  # recorded: any exception is a 500 for the person
            errors.append(repr(error))

    threads = [
        threading.Thread(target=answer, args=(b, t, s), daemon=True)
        for (b, t), s in zip(browsers, ("yes", "no"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and statuses == [200, 200], (statuses, errors)
    session.commit()
    session.expire_all()
    [answer_row] = session.scalars(select(VerificationAnswer)).all()
    idea = session.get(Idea, released.idea.id)
    assert idea.verification_count == 1
    assert idea.verification_yes_count == (1 if answer_row.solved else 0)


def test_an_answer_that_loses_the_race_to_insert_changes_the_winners_row(released, app):
    """PostgreSQL: A's insert waits on B's uncommitted one, then meets the unique key; A's
    answer then changes B's row instead of failing (SQLite's writers never overlap)."""
    factory = app.extensions["feedloop_db"].writer_session_factory
    first, second = factory(), factory()
    if first.get_bind().dialect.name != "postgresql":
        pytest.skip("only PostgreSQL lets two writers overlap")
    from sqlalchemy import text

    from portal.accounts.models import User
    from portal.verification.service import record_answer

    outcome = {}

    def loser():
        with app.app_context():
            try:
                idea = second.get(Idea, released.idea.id)
                person = second.get(User, released.voter.id)
                outcome["answer"] = record_answer(second, idea=idea, person=person, solved=False)
                second.commit()
            except Exception as error:  # the outcome the test reports
                outcome["error"] = repr(error)

    with app.app_context():
        idea = first.get(Idea, released.idea.id)
        person = first.get(User, released.voter.id)
        record_answer(first, idea=idea, person=person, solved=True)  # inserted, not committed
        thread = threading.Thread(target=loser, daemon=True)
        thread.start()
        watcher = factory()
        waiting = 0
        for _ in range(200):  # until the loser's insert waits on the winner's row lock
            waiting = watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
            )
            watcher.rollback()
            if waiting or not thread.is_alive():
                break
            threading.Event().wait(0.05)
        watcher.close()
        first.commit()
        thread.join(timeout=30)
    first.close()
    second.close()
    assert waiting == 1, "the second answer never waited on the first"
    assert "error" not in outcome, outcome
    check = factory()
    rows = check.scalars(select(VerificationAnswer)).all()
    idea = check.get(Idea, released.idea.id)
    assert [r.solved for r in rows] == [False]
    assert (idea.verification_count, idea.verification_yes_count) == (1, 0)
    check.close()
