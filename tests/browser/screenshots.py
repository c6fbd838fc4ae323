"""Take the README's screenshots (docs/screenshots/*.png) from a portal full of demo data.

    .venv/bin/python tests/browser/screenshots.py

Builds the app on a throw-away SQLite file (create_all, no migrations), loads portal.demo, serves
it on localhost in a thread and drives Debian's Chromium (/usr/bin/chromium) through Playwright,
signed in as the demo customer. Never downloads a browser. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from portal import create_app  # noqa: E402
from portal.db import Base  # noqa: E402
from portal.demo import DEMO_CUSTOMER, DEMO_PASSWORD, load_demo  # noqa: E402
from portal.ideas.models import Board, Comment, Idea, Visibility  # noqa: E402
from portal.lifecycle.models import StageChange  # noqa: E402
from portal.models import Base as _all_models  # noqa: E402, F401  (registers every table)

CHROMIUM = Path("/usr/bin/chromium")
OUT = ROOT / "docs" / "screenshots"
WIDTH = 1280
BOARD_SLUG = "web-app"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def build_demo_app(workdir: Path):
    app = create_app(
        {
            "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "screenshots",
            "DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite3'}",
            "BASE_URL": "http://127.0.0.1",
            "RATELIMIT_ENABLED": False,
            "MAIL_SERVER": "",
        }
    )
    Base.metadata.create_all(app.extensions["feedloop_db"].engine)
    with app.app_context():
        session = app.extensions["feedloop_db"].session_factory()
        print(load_demo(session))
        session.commit()
        session.close()
    return app


def busiest_idea_path(app) -> str:
    """A public idea on the board with a timeline of at least three moves, the most different
    comments (the demo repeats some), then the longest timeline."""
    session = app.extensions["feedloop_db"].session_factory()
    moves = (
        select(func.count(StageChange.id))
        .where(StageChange.idea_id == Idea.id)
        .correlate(Idea)
        .scalar_subquery()
    )
    different_comments = (
        select(func.count(func.distinct(Comment.body)))
        .where(Comment.idea_id == Idea.id, Comment.is_internal.is_(False))
        .correlate(Idea)
        .scalar_subquery()
    )
    idea = session.scalars(
        select(Idea)
        .join(Board, Board.id == Idea.board_id)
        .where(Board.slug == BOARD_SLUG, Idea.visibility == Visibility.public)
        .where(Idea.merged_into_id.is_(None), moves >= 3, different_comments >= 2)
        .order_by(different_comments.desc(), moves.desc(), Idea.id)
    ).first()
    session.close()
    assert idea is not None, "the demo data has no commented idea with a timeline on the board"
    return f"/ideas/{idea.id}-{idea.slug}"


def take_screenshots(base: str, idea_path: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": WIDTH, "height": 900},
            device_scale_factor=1,
            color_scheme="light",
            locale="en-GB",
        )
        page = context.new_page()
        page.set_default_timeout(10_000)

        page.goto(f"{base}/login")
        page.get_by_label("Email").fill(DEMO_CUSTOMER)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

        page.goto(f"{base}/boards/{BOARD_SLUG}")
        expect(page.get_by_role("heading", name="Web app", level=1)).to_be_visible()
        page.screenshot(path=OUT / "board.png")

        page.goto(f"{base}{idea_path}")
        expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
        expect(page.locator("#comments article.comment").first).to_be_visible()
        page.screenshot(path=OUT / "idea.png", full_page=True)
        browser.close()


def main() -> None:
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium (never a downloaded browser)")
    with tempfile.TemporaryDirectory(prefix="feedloop-screenshots-") as workdir:
        app = build_demo_app(Path(workdir))
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            take_screenshots(f"http://127.0.0.1:{server.server_port}", busiest_idea_path(app))
        finally:
            server.shutdown()
            app.extensions["feedloop_db"].engine.dispose()
    print(f"saved {OUT / 'board.png'} and {OUT / 'idea.png'}")


if __name__ == "__main__":
    main()
