"""`python -m portal.bench`: the benchmark. See `scripts/bench.sh --help`.

For each scale: build (or reuse) a database of that size, serve the portal and the ceiling app
under gunicorn on 127.0.0.1, drive each page for a fixed time, then print req/s, p50, p95, p99,
errors and the ratio to the ceiling, and finally how each page's time at the largest scale
compares with the smallest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import func, select

from portal.bench import load, mail
from portal.bench.dataset import Scale, grow

ROOT = Path(__file__).resolve().parents[2]
SECRET = "benchmark-secret-not-for-production"
VOTERS_PER_CONNECTION = 40


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench.sh", description=__doc__.split("\n")[0])
    parser.add_argument("--ideas", default="1000,100000",
                        help="comma-separated scales, in ideas (default: 1000,100000)")  # fmt: skip
    parser.add_argument("--scale", choices=["small", "full"],
                        help="small: 1,000 ideas only; full: 1,000 and 100,000")  # fmt: skip
    parser.add_argument("--seconds", type=int, default=10, help="load per page (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL database to use instead of SQLite files "
                        "(emptied and loaded at each scale)")  # fmt: skip
    parser.add_argument("--reload", action="store_true", help="rebuild cached SQLite datasets")
    parser.add_argument("--only", default="", help="comma-separated page names to run")
    parser.add_argument("--page-cache-seconds", type=int,
                        help="the portal's PAGE_CACHE_SECONDS (default: as configured, 10; "
                        "0 renders every page for every visitor)")  # fmt: skip
    parser.add_argument("--json", type=Path, default=ROOT / "instance" / "bench" / "results.json")
    parser.add_argument("--emails", type=int,
                        help="worker emails: followers told of one event (default 10,000; "
                        "1,000 with --scale small; 0 skips the line)")  # fmt: skip
    parser.add_argument("--subscribers", type=int,
                        help="release to subscribers: a note's subscribers (default 50,000; "
                        "5,000 with --scale small; 0 skips the line)")  # fmt: skip
    options = parser.parse_args(argv)
    scales = [int(n) for n in options.ideas.split(",")]
    if options.scale == "small":
        scales = [1000]
    elif options.scale == "full":
        scales = [1000, 100_000]
    if _only_email_lines(options):
        scales = []

    if options.page_cache_seconds is not None:
        os.environ["PAGE_CACHE_SECONDS"] = str(options.page_cache_seconds)
    kept = os.environ.get("PAGE_CACHE_SECONDS", "10")
    print("pages kept (for visitors, and for each signed-in person): "
          + (f"up to {kept} s (portal/web/page_cache.py)" if kept != "0" else "no"))  # fmt: skip
    results: dict[int, dict[str, load.Result]] = {}
    for ideas in scales:
        print(f"\n== {ideas:,} ideas", flush=True)
        url = _prepare_database(ideas, options)
        facts = _facts(url)
        with _serve("wsgi:app", url, options.workers) as portal_base, \
             _serve("portal.bench.ceiling:app", url, options.workers) as ceiling_base:  # fmt: skip
            results[ideas] = _run_pages(portal_base, ceiling_base, url, facts, options)
        _print_table(ideas, results[ideas])
    if len(scales) > 1:
        _print_growth(results, scales[0], scales[-1])
    emails = _email_lines(options)
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps({
        **{str(ideas): {page: vars(result) for page, result in pages.items()}
           for ideas, pages in results.items()},
        **({"email": {line: vars(result) for line, result in emails.items()}} if emails else {}),
    }, indent=2))  # fmt: skip
    print(f"\nResults written to {options.json}")
    return 0


def _prepare_database(ideas: int, options) -> str:
    if options.database_url:
        url = options.database_url
        _empty_postgres(url)
    else:
        directory = ROOT / "instance" / "bench"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"ideas-{ideas}.sqlite3"
        url = f"sqlite:///{path}"
        if path.exists() and not options.reload:
            print(f"  reusing {path} (--reload to rebuild; migrations since are applied)")
            _upgrade(url)
            return url
        for leftover in directory.glob(f"ideas-{ideas}.sqlite3*"):
            leftover.unlink()
    started = time.monotonic()
    _upgrade(url)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    app = _app(url)
    with app.app_context():
        engine = app.extensions["feedloop_db"].engine
        with engine.begin() as connection:
            made = grow(connection, Scale.for_ideas(ideas))
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        else:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    print(f"  loaded {made['votes']:,} votes and the rest in {time.monotonic() - started:.0f} s")
    return url


def _upgrade(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env=env,
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)  # fmt: skip


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def _app(url: str):
    from portal import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})


def _facts(url: str) -> dict:
    """What the pages need: the busy idea, the board, a tag, staff and voters' sessions."""
    from flask import g, session
    from flask_wtf.csrf import generate_csrf

    from portal.accounts.models import User
    from portal.ideas.models import Board, Comment, Idea, Tag, Visibility
    from portal.lifecycle.stages import Stage

    app = _app(url)
    with app.app_context():
        reading = app.extensions["feedloop_db"].writer_session_factory()
        busy_id = reading.scalar(
            select(Comment.idea_id).group_by(Comment.idea_id)
            .order_by(func.count(Comment.id).desc()).limit(1)
        )  # fmt: skip
        busy = reading.get(Idea, busy_id)
        board = reading.get(Board, busy.board_id)
        tag = reading.scalar(select(Tag.slug).order_by(Tag.id).limit(1))
        open_ideas = list(reading.scalars(
            select(Idea.id).where(Idea.stage == Stage.collect, Idea.board_id == board.id,
                                  Idea.visibility == Visibility.public)
            .order_by(Idea.id.desc()).limit(200)
        ))  # fmt: skip
        staff = reading.scalar(select(User).where(User.email == "sam@feedloop.example"))
        people = list(reading.scalars(
            select(User).where(User.email.like("%@bench.example")).order_by(User.id)
            .limit(VOTERS_PER_CONNECTION * 64)
        ))  # fmt: skip

        def signed_in(user) -> tuple[str, str]:
            # The session a browser gets by signing in from the load generator's address and
            # with its User-Agent (Flask-Login's session protection compares both): without its
            # `_id`, every request would mark the session no longer fresh and send a new cookie.
            with app.test_request_context(
                headers={"User-Agent": load.USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
            ):
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
                session["_id"] = app.login_manager._session_identifier_generator()
                g.pop("csrf_token", None)  # flask-wtf caches it for the app context
                token = generate_csrf()
                cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
            return f"{app.config['SESSION_COOKIE_NAME']}={cookie}", token

        facts = {
            "busy": f"/ideas/{busy.id}-{quote(busy.slug)}", "board": board.slug, "tag": tag,
            "open_ideas": open_ideas, "staff_cookie": signed_in(staff)[0],
            "voters": [load.Voter(*signed_in(person)) for person in people],
        }  # fmt: skip
        reading.close()
    return facts


@contextmanager
def _serve(target: str, url: str, workers: int):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "2048", target],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise SystemExit(f"the server for {url} stopped (exit {process.returncode})")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within 30 s")


def pages(facts: dict) -> dict[str, tuple[str, str | None]]:
    """Name -> (path, cookie). Anonymous unless a cookie is given."""
    board = f"/boards/{facts['board']}"
    staff = facts["staff_cookie"]
    return {
        "home": ("/", None),
        "board Top": (f"{board}?sort=top", None),
        "board New": (f"{board}?sort=new", None),
        "board Trending": (f"{board}?sort=trending", None),
        "board search": (f"{board}?q=export", None),
        "board search two words": (f"{board}?q=export+warehouse", None),
        "board search Chinese": (f"{board}?q=%E5%AF%BC%E5%87%BA", None),  # 导出
        "board tag filter": (f"{board}?tag={facts['tag']}", None),
        "board page 50": (f"{board}?page=50", None),
        "idea with 200 comments": (facts["busy"], None),
        "similar ideas": ("/ideas/similar?title=export+report+to+excel", None),
        "roadmap": ("/roadmap", None),
        "changelog": ("/changelog", None),
        "Atom feed": ("/changelog.atom", None),
        "admin ideas list": ("/admin/ideas", staff),
        "admin review queue": ("/admin/review", staff),
    }


def _run_pages(portal_base, ceiling_base, url, facts, options) -> dict[str, load.Result]:
    wanted = {name.strip() for name in options.only.split(",") if name.strip()}
    common = {"seconds": options.seconds, "connections": options.connections}
    # Each page is driven for a second first and that second is not counted: every worker has
    # then compiled the page's templates (a few hundred ms the first time) and opened its
    # connections, as any server that has been up for a while has; the ceiling too.
    warm_up = {"seconds": 1, "connections": options.connections}
    load.drive(ceiling_base + "/", **warm_up)
    results = {"ceiling": load.drive(ceiling_base + "/", **common)}
    print(f"  ceiling: {results['ceiling'].per_second:,.0f} req/s", flush=True)
    for name, (path, cookie) in pages(facts).items():
        if wanted and name not in wanted:
            continue
        load.drive(portal_base + path, cookie=cookie, **warm_up)
        results[name] = load.drive(portal_base + path, cookie=cookie, **common)
        print(f"  {name}: {results[name].per_second:,.0f} req/s", flush=True)
    if not wanted or "vote on/off" in wanted:
        results["vote on/off"] = _votes(portal_base, url, facts, options)
    return results


def _votes(base: str, url: str, facts: dict, options) -> load.Result:
    from portal.ideas.models import Idea, Vote

    voters = facts["voters"]
    per_connection = [voters[i :: options.connections] for i in range(options.connections)]
    result = load.vote_on_and_off(base, per_connection, facts["open_ideas"],
                                  seconds=options.seconds)  # fmt: skip
    app = _app(url)
    with app.app_context():
        reading = app.extensions["feedloop_db"].writer_session_factory()
        touched = facts["open_ideas"]
        counts = reading.execute(
            select(Idea.id, Idea.vote_count, select(func.count(Vote.id))
                   .where(Vote.idea_id == Idea.id).scalar_subquery())
            .where(Idea.id.in_(touched))
        ).all()  # fmt: skip
        wrong = [f"#{i}: {stored} ≠ {rows} rows" for i, stored, rows in counts if stored != rows]
        reading.close()
    result.notes.append(
        "counts agree with the vote rows" if not wrong else f"COUNTS WRONG: {wrong[:5]}"
    )
    if wrong:
        result.errors += len(wrong)
    print(f"  vote on/off: {result.per_second:,.0f} req/s; {result.notes[-1]}", flush=True)
    return result


def _print_table(ideas: int, results: dict[str, load.Result]) -> None:
    ceiling = results["ceiling"]
    print(f"\n{ideas:,} ideas")
    print("| page | req/s | p50 ms | p95 ms | p99 ms | errors | ÷ ceiling req/s | ÷ ceiling p99 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        ratio = r.per_second / ceiling.per_second if ceiling.per_second else 0
        p99_ratio = r.p99 / ceiling.p99 if ceiling.p99 else 0
        print(f"| {name} | {r.per_second:,.0f} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} | "
              f"{r.errors} | {ratio:.2f} | {p99_ratio:.2f} |")  # fmt: skip
        for note in r.notes:
            print(f"|   ↳ {note} | | | | | | | |")


EMAIL_LINES = ("worker emails", "release to subscribers")


def _wanted(options) -> set[str]:
    return {name.strip() for name in options.only.split(",") if name.strip()}


def _only_email_lines(options) -> bool:
    wanted = _wanted(options)
    return bool(wanted) and wanted <= set(EMAIL_LINES)


def _email_lines(options) -> dict[str, mail.MailResult]:
    """The outbox worker and a release note's enqueueing, on a database of their own."""
    wanted = _wanted(options) or set(EMAIL_LINES)
    small = options.scale == "small"
    sizes = {
        "worker emails": options.emails if options.emails is not None else
        (1_000 if small else 10_000),
        "release to subscribers": options.subscribers if options.subscribers is not None else
        (5_000 if small else 50_000),
    }  # fmt: skip
    lines = [name for name in EMAIL_LINES if name in wanted and sizes[name] > 0]
    if not lines:
        return {}
    if options.database_url:
        url = options.database_url
        _empty_postgres(url)
    else:
        (ROOT / "instance" / "bench").mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{ROOT / 'instance' / 'bench' / 'mail.sqlite3'}"
    print("\n== email", flush=True)
    mail.prepare_database(url, ROOT, SECRET)
    app = _app(url)
    results = {}
    if "worker emails" in lines:
        results["worker emails"] = mail.worker_emails(app, sizes["worker emails"])
    if "release to subscribers" in lines:
        results["release to subscribers"] = mail.release_to_subscribers(
            app, sizes["release to subscribers"]
        )
    print("| line | count | seconds | per second | peak MB | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        peak = f"{r.peak_mb:.1f}" if r.peak_mb is not None else ""
        print(f"| {name} | {r.count:,} | {r.seconds:.2f} | {r.per_second:,.0f} | {peak} | "
              f"{r.errors} |")  # fmt: skip
        for note in r.notes:
            print(f"|   ↳ {note} | | | | | |")
    return results


def _print_growth(results, smallest: int, largest: int) -> None:
    print(f"\nTime per request at {largest:,} ideas ÷ at {smallest:,} (p50; target ≤ 1.3)")
    print("| page | p50 small ms | p50 large ms | ratio |")
    print("|---|---:|---:|---:|")
    for name, large in results[largest].items():
        small = results[smallest].get(name)
        if small is None or not small.p50:
            continue
        print(f"| {name} | {small.p50:.1f} | {large.p50:.1f} | {large.p50 / small.p50:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
