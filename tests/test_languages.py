"""English and Simplified Chinese: every UI string translated; the person's choice wins."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from portal import PROJECT_ROOT


def test_every_ui_string_has_a_chinese_translation(tmp_path: Path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(template), "."],
        cwd=PROJECT_ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    catalogue_path = PROJECT_ROOT / "translations/zh/LC_MESSAGES/messages.po"
    with catalogue_path.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        m.id
        for m in catalogue
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    assert len(wanted) > 300
    missing = sorted(str(m) for m in wanted - translated)
    assert missing == [], "untranslated (run scripts/translations.sh, then translate):\n" + (
        "\n".join(missing)
    )


def test_browser_preference_picks_the_language(make, client):
    make.board("Billing")
    chinese = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert "告诉我们你的需求" in chinese and 'lang="zh-Hans"' in chinese
    english = client.get("/", headers={"Accept-Language": "en-GB"}).text
    assert "Tell us what you need" in english


def test_profile_language_beats_the_browser(make, client, sign_in):
    sign_in(make.user(language="zh"))
    page = client.get("/", headers={"Accept-Language": "en"}).text
    assert "告诉我们你的需求" in page and "退出登录" in page


def test_visitor_switches_language_in_the_footer(client):
    response = client.post("/language", data={"language": "zh", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert "忘记密码？" in client.get("/login", headers={"Accept-Language": "en"}).text


def test_public_statuses_and_errors_are_translated(make, client):
    idea = make.idea("Dark mode")
    page = client.get(f"/ideas/{idea.id}-{idea.slug}", headers={"Accept-Language": "zh"}).text
    assert "待处理" in page  # "Open"
    missing = client.get("/ideas/999", headers={"Accept-Language": "zh"})
    assert missing.status_code == 404 and "页面不存在" in missing.text
