"""Take the README's screenshots from a running portal with demo data.

    bash scripts/run.sh &                      # serves http://127.0.0.1:5000
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:5000

Uses Debian's Chromium through Playwright (never a downloaded browser).
"""

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{base}/login")
        page.get_by_label("Email").fill("alice@acme.example")
        page.get_by_label("Password").fill("feedloop-demo")
        page.locator("#main").get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/boards/web-app")
        page.screenshot(path=OUT / "board.png")
        commented = page.locator(".idea-row", has_text=re.compile(r"[2-9] comments"))
        commented.first.locator(".idea-title").click()
        page.screenshot(path=OUT / "idea.png", full_page=True)
        page.goto(f"{base}/logout")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000")
