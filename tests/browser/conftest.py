"""The web client in a real Chromium (Debian's `chromium`, driven by Playwright) against
the embedded system, started once for the run on a free port with its demo school.

Without /usr/bin/chromium (or CHROMIUM_PATH) the tests are skipped, and fail under
REQUIRE_BROWSER=1 (CI). Screenshots go to docs/screenshots/ (desktop 1280 px wide, phone
360 px wide)."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from embedded.webclient import ensure_built
from tests.embedded_mode.school_days import keep_the_last_lessons_open
from tests.embedded_mode.test_embedded_mode import DEMO_PASSWORD, Embedded, clean_env

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("browser tests required (REQUIRE_BROWSER=1) but chromium is missing")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def school(chromium: str) -> Iterator[Embedded]:
    """The embedded system with the built client and the demo school, for the whole run."""
    ensure_built()
    scratch = Path(tempfile.mkdtemp(prefix="school-browser-"))
    system = Embedded(scratch / "embedded", clean_env())
    try:
        system.wait_started()
        # late in a holiday and in the summer the last school week's lessons are past the
        # lock the tests' teachers write to them within
        with httpx.Client(base_url=system.base_url, timeout=30) as http:
            deputy = {"Authorization": f"Bearer {api_token(system, 'deputy')}"}
            keep_the_last_lessons_open(http, deputy)
        yield system
    finally:
        system.stop()
        shutil.rmtree(scratch, ignore_errors=True)


# Per module, not per session: while the driver runs, its event loop is marked running in
# this thread, and an asyncio test after it in the same process could not start its own.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    # --no-sandbox: the tests run as root in CI, where Chromium's sandbox refuses to start
    launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    yield launched
    launched.close()


@pytest.fixture
def desktop(browser: Browser, school: Embedded) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=school.base_url, viewport=DESKTOP, locale="ru-RU", timezone_id="Europe/Moscow"
    )
    yield context
    context.close()


@pytest.fixture
def phone(browser: Browser, school: Embedded) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=school.base_url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
        timezone_id="Europe/Moscow",
    )
    yield context
    context.close()


def sign_in(page: Page, login: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/signin")
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти", exact=True).click()
    page.get_by_role("button", name="Выйти").wait_for()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def api_token(school: Embedded, login: str) -> str:
    response = httpx.post(
        f"{school.base_url}/api/auth/login", json={"login": login, "password": DEMO_PASSWORD}
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


# Every signed-in page keeps the nav's live stream open (web/src/lib/live.ts), so the page
# never reaches Playwright's "networkidle". This waits for what networkidle meant here: no
# request finished for half a second (the stream never finishes, so it is not counted).
_SETTLED_JS = """() => new Promise(resolve => {
    let seen = performance.getEntriesByType("resource").length;
    const check = () => {
        const now = performance.getEntriesByType("resource").length;
        if (now === seen) resolve(true);
        else { seen = now; setTimeout(check, 500); }
    };
    setTimeout(check, 500);
})"""


def settled(page: Page) -> None:
    """The page's requests done (but the live stream), before a screenshot or a count."""
    page.wait_for_function(_SETTLED_JS)
