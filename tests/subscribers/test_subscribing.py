"""Email subscribers: anyone subscribes to the changelog or roadmap updates without an account,
proves the mailbox (double opt-in), and stops in one click from any email."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from portal.subscribers.models import Subscriber
from tests.security.test_concurrency import BARRIER_SECONDS, Recorder, run_threads

CHECK_INBOX = "Check your inbox to confirm"


def subscribe(client, email, *lists, headers=None):
    data = {"email": email, **{name: "y" for name in lists}}
    return client.post("/subscribe", data=data, headers=headers or {})


def rows(session, email=None):
    session.commit()
    session.expire_all()
    query = select(Subscriber).order_by(Subscriber.id)
    if email is not None:
        query = query.where(Subscriber.email == email)
    return list(session.scalars(query))


def confirm_path(smtp_server, address) -> str:
    message = smtp_server.to(address)[-1]
    return smtp_server.link_in(message, "/subscribe/confirm/")


def test_a_visitor_subscribes_on_the_changelog_confirms_by_email_and_is_counted(
    client, make, sign_in, deliver, smtp_server, session
):
    page = client.get("/changelog").text
    assert 'action="/subscribe"' in page and "Release notes (changelog)" in page
    assert 'action="/subscribe"' in client.get("/roadmap").text

    answer = subscribe(client, "  Reader@Example.COM ", "changelog")
    assert answer.status_code == 200 and CHECK_INBOX in answer.text
    assert deliver() == 1
    mail = smtp_server.to("reader@example.com")[0]
    assert mail["Subject"] == "Confirm your subscription to Feedloop updates"
    assert "Release notes (changelog)" in smtp_server.body(mail)
    path = confirm_path(smtp_server, "reader@example.com")

    shown = client.get(path)  # what a mail scanner's prefetch does: nothing is confirmed
    assert shown.status_code == 200 and ">Confirm</button>" in shown.text
    assert rows(session, "reader@example.com")[0].confirmed_at is None
    done = client.post(path)
    assert done.status_code == 200 and "You are subscribed" in done.text

    (subscriber,) = rows(session)
    assert subscriber.confirmed_at is not None
    assert (subscriber.wants_changelog, subscriber.wants_roadmap) == (True, False)
    sign_in(make.user("admin@vendor.example", role="admin"))
    counts = client.get("/admin/subscribers").text
    assert "Release notes (changelog): 1 confirmed. Roadmap updates: 0 confirmed." in counts
    assert "Awaiting confirmation: 0." in counts and "reader@example.com" in counts


def test_a_confirmation_link_expires_after_a_week(client, deliver, smtp_server, session):
    subscribe(client, "late@example.com", "roadmap")
    deliver()
    path = confirm_path(smtp_server, "late@example.com")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=8)):
        shown = client.get(path)
        refused = client.post(path)
    assert shown.status_code == 400 and "expired" in shown.text
    assert refused.status_code == 400 and "Subscribe again" in refused.text
    assert rows(session, "late@example.com")[0].confirmed_at is None
    assert client.get(path.replace("/confirm/", "/confirm/x")).status_code == 400


def test_a_link_that_is_not_ours_shows_a_page_not_an_error(client):
    answer = client.get("/subscribe/confirm/not-a-token")
    assert answer.status_code == 400 and "This link does not work" in answer.text


def test_subscribing_twice_keeps_one_row_and_changes_choices_only_once_confirmed(
    client, deliver, smtp_server, session
):
    subscribe(client, "twice@example.com", "changelog")
    deliver()
    client.post(confirm_path(smtp_server, "twice@example.com"))

    # Someone else types the same address with other choices: same answer, nothing changes.
    again = subscribe(client, "TWICE@example.com", "roadmap")
    assert again.status_code == 200 and CHECK_INBOX in again.text
    (row,) = rows(session)
    assert (row.wants_changelog, row.wants_roadmap) == (True, False)

    deliver()
    assert len(smtp_server.to("twice@example.com")) == 2  # a fresh confirmation, not a change
    client.post(confirm_path(smtp_server, "twice@example.com"))
    (row,) = rows(session)
    assert (row.wants_changelog, row.wants_roadmap) == (True, True)


def test_simultaneous_sign_ups_of_one_address_leave_one_row(app, session):
    recorder, barrier = Recorder(), threading.Barrier(6, timeout=BARRIER_SECONDS)

    def sign_up():
        client = app.test_client()
        try:
            barrier.wait()
            recorder.response("subscribe", subscribe(client, "race@example.com", "changelog"))
        except Exception as error:  # noqa: BLE001 (recorded and asserted below)
            recorder.error("subscribe", error)

    run_threads([sign_up] * 6, recorder)
    assert not recorder.errors and not recorder.server_errors()
    assert {status for _, status, _ in recorder.responses} == {200}
    session.commit()
    count = session.scalar(select(func.count()).where(Subscriber.email == "race@example.com"))
    assert count == 1


def test_the_confirmation_email_is_in_the_language_of_the_page(client, deliver, smtp_server):
    subscribe(client, "lin@example.com", "changelog", headers={"Accept-Language": "zh"})
    deliver()
    mail = smtp_server.to("lin@example.com")[0]
    assert re.search(r"[\u4e00-\u9fff]", mail["Subject"]), mail["Subject"]


@pytest.mark.parametrize(
    "email, lists",
    [
        ("first\r\nBcc: victim@example.com", ("changelog",)),
        ("name@example.com\nBcc: x@example.com", ("roadmap",)),
        ("a" * 1000 + "@example.com", ("changelog",)),
        ("🚀@example.com", ("changelog",)),
        ("me@🚀.example", ("changelog",)),
        ("not an address", ("changelog",)),
        ("", ("changelog",)),
        ("fine@example.com", ()),  # no list chosen
    ],
)
def test_hostile_or_incomplete_input_gets_a_form_error(client, session, email, lists):
    answer = subscribe(client, email, *lists)
    assert answer.status_code == 422
    assert "Enter" in answer.text or "Choose at least one" in answer.text
    assert rows(session) == []


def test_a_nul_byte_is_refused_before_anything(client, session):
    assert subscribe(client, "nul\x00@example.com", "changelog").status_code == 400
    assert rows(session) == []


def test_htmx_gets_only_the_form_back(client):
    answer = client.post(
        "/subscribe",
        data={"email": "x@example.com", "roadmap": "y"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and CHECK_INBOX in answer.text
    assert "<html" not in answer.text and 'id="subscribe"' in answer.text


@pytest.mark.parametrize("chosen", ["changelog", "roadmap"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_form_written_out_for_visitors_reads_as_the_field_macros_write_it(
    app, chosen, language
):
    app.config["WTF_CSRF_ENABLED"] = True  # as served: the token is part of the form
    from flask import render_template, render_template_string

    from portal.web.public.subscribe import subscribe_form

    macros = """{% from "macros/forms.html" import field %}{{ form.csrf_token }}
        {{ field(form.email) }}{{ field(form.changelog) }}{{ field(form.roadmap) }}"""
    with app.test_request_context("/roadmap", headers={"Accept-Language": language}):
        app.preprocess_request()
        form = subscribe_form(chosen)
        section = render_template("public/subscribe/_form.html", form=form, sent_to=None)
        written = re.search(r'<input id="csrf_token".*?(?=<button)', section, re.S).group(0)
        assert 'value=""' not in written.split(">")[0]  # a token, not an empty one
        expected = render_template_string(macros, form=form)

    def words(html):
        return " ".join(html.split())

    assert words(written) == words(expected)
    assert f'<input checked id="{chosen}"' in written
