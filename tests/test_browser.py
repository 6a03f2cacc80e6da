"""The web app in real headless Chromium: a reviewer's day, and hostile e-mail shown inert.

Needs Debian ``chromium`` at /usr/bin/chromium (or CHROMIUM_PATH) and the
``playwright`` package; the browser is never downloaded.
"""

import csv
import io
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.web import (
    PASSWORD,
    PAYLOAD,
    REVIEWER,
    WebEnv,
    council_email,
    open_env,
    payload_email,
)

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[WebEnv, str]]:
    """The app served by uvicorn on a free port, as ``intake run`` serves it."""
    from intake.web.server import serve_in_thread

    for env in open_env(sqlite_url, tmp_path):
        env.intake.settings.web.port = free_port()
        stop = serve_in_thread(env.intake)
        try:
            yield env, f"http://127.0.0.1:{env.intake.settings.web.port}"
        finally:
            stop()


@pytest.fixture(scope="module")
def browser() -> Iterator["sync_api.Browser"]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def sign_in_by_keyboard(page: "sync_api.Page", base: str) -> None:
    page.goto(f"{base}/queue")
    assert page.url.startswith(f"{base}/sign-in")
    page.get_by_label("E-mail address").focus()
    page.keyboard.type(REVIEWER)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/queue")


def test_a_reviewer_corrects_a_council_approves_and_finds_it_published(
    served: tuple[WebEnv, str], browser: "sync_api.Browser"
) -> None:
    env, base = served
    env.ingest(council_email(1))
    page = browser.new_page()
    page.set_default_timeout(8000)
    sign_in_by_keyboard(page, base)
    page.get_by_role("link", name="SS-").first.click()
    assert "Cotswold District Council" in page.locator("#organisations").inner_text()
    page.get_by_role("link", name="Edit fields").click()
    page.get_by_label("Council 2", exact=True).select_option("E07000081")
    page.get_by_role("button", name="Save changes").click()
    assert "Gloucester City Council" in page.locator("#organisations").inner_text()
    page.get_by_role("button", name="Approve and publish").click()
    assert page.locator("#review-state").inner_text() == "Approved"
    page.get_by_role("link", name="Published").click()
    row = page.locator("#published tbody tr").first
    assert "Gloucester City Council" in row.inner_text()
    with page.expect_download() as download_info:
        page.locator("#export-csv").click()
    path = download_info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    assert [r["partners"] for r in rows] == ["Gloucester City Council"]
    assert rows[0]["council_codes"] == "E07000078; E07000081"
    page.close()


def test_script_and_markup_in_an_email_are_shown_as_inert_text(
    served: tuple[WebEnv, str], browser: "sync_api.Browser"
) -> None:
    env, base = served
    env.ingest(payload_email())
    page = browser.new_page()
    page.set_default_timeout(8000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in_by_keyboard(page, base)
    for path in ("/queue", "/submissions/1", "/messages/1"):
        page.goto(f"{base}{path}")
        assert page.evaluate("typeof window.__pwned") == "undefined", path
        assert page.locator("script").count() == 0, path
        assert page.locator("#bold").count() == 0, path  # the <b> did not become an element
        assert page.locator("iframe").count() == 0, path
        assert page.locator("img").count() == 0, path
        assert page.locator('a[href^="javascript:"]').count() == 0, path
    page.goto(f"{base}/messages/1")
    assert PAYLOAD in page.locator("#original-text").inner_text()  # shown, as text
    page.locator("summary", has_text="HTML part").click()
    assert "<iframe" in page.locator("pre.source").inner_text()
    page.goto(f"{base}/submissions/1")
    assert "<script>" in page.get_by_role("heading", level=1).inner_text()
    assert dialogs == []
    page.close()
