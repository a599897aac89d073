"""Sign-in through Госуслуги in Chromium, against a real local OpenID Connect provider
(npm's oidc-provider, tests/auth/oidc_provider): a second embedded school of this module
is configured to use it through AUTH_OIDC_* settings. A parent signs in with their
password, links their account at the provider's login and consent pages, signs out, signs
in with «Войти через Госуслуги», and unlinks; the shared school (no provider) shows no
such button."""

import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from embedded.webclient import ensure_built
from tests.auth.oidc_provider.local_provider import (
    free_port,
    provider_env_for_embedded,
    running_provider,
)
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.embedded_mode import test_embedded_mode as embedded_mode
from tests.embedded_mode.test_embedded_mode import DEMO_PASSWORD, Embedded, clean_env

pytestmark = [pytest.mark.alone, pytest.mark.browser]

# Milliseconds for a round trip through the provider (several redirects and two servers
# on a machine the other tests share): waited on as a condition, not slept.
SLOW = 30_000


@pytest.fixture(scope="module")
def school_with_provider(chromium: str) -> Iterator[Embedded]:
    """An embedded school signing in through a local provider (both for this module)."""
    ensure_built()
    scratch = Path(tempfile.mkdtemp(prefix="school-oidc-"))
    # Each must know the other's address before it starts: the school the provider's
    # issuer, the provider the school's redirect URI; so both ports are chosen first.
    school_port = free_port()
    redirect_uri = f"http://127.0.0.1:{school_port}/signin/external"
    system: Embedded | None = None
    try:
        with running_provider((redirect_uri,)) as provider:
            env = clean_env() | provider_env_for_embedded(provider, redirect_uri)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(embedded_mode, "free_port", lambda: school_port)
                system = Embedded(scratch / "embedded", env)
            system.wait_started()
            yield system
    finally:
        if system is not None:
            system.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def context_for(browser: Browser, school: Embedded, viewport: dict[str, int]) -> BrowserContext:
    return browser.new_context(
        base_url=school.base_url, viewport=viewport, locale="ru-RU", timezone_id="Europe/Moscow"
    )


def sign_in_with_password(page: Page, login: str) -> None:
    page.goto("/signin")
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()


def forget_the_provider(page: Page) -> None:
    """The provider's session forgotten (its cookies, all named `_...`; the school's are
    not): the person signs in there every time, as on a shared computer."""
    page.context.clear_cookies(name=re.compile(r"^_"))


def through_the_provider(page: Page, subject: str) -> None:
    """The provider's own pages: its login (as `subject`), then its consent if it asks."""
    # On the provider's page first: the school's sign-in page has an input named login too.
    expect(page).to_have_url(re.compile(r"/interaction/"), timeout=SLOW)
    login = page.locator("input[name=login]")
    expect(login).to_be_visible(timeout=SLOW)
    login.fill(subject)
    page.locator("input[name=password]").fill("any")
    page.get_by_role("button", name="Sign-in").click()
    # Its consent, unless it remembers the one given before and sends the browser back.
    consent = page.get_by_role("button", name="Continue")
    back = page.get_by_role("button", name="Выйти").or_(page.get_by_role("alert"))
    expect(consent.or_(back).first).to_be_visible(timeout=SLOW)
    if consent.is_visible():
        consent.click()


def test_a_parent_links_gosuslugi_then_signs_in_with_it(
    browser: Browser, school_with_provider: Embedded
) -> None:
    subject = f"esia-{uuid.uuid4().hex[:8]}"
    context = context_for(browser, school_with_provider, DESKTOP)
    page = context.new_page()
    try:
        sign_in_with_password(page, "parent")
        page.get_by_role("link", name="Госуслуги").first.click()
        forget_the_provider(page)
        page.get_by_role("button", name="Привязать Госуслуги").click()
        through_the_provider(page, subject)
        expect(page.get_by_role("status")).to_contain_text("привязана", timeout=SLOW)
        screenshot(page, "external-link-desktop")

        page.get_by_role("button", name="Выйти").click()
        expect(page.get_by_role("button", name="Войти через Госуслуги")).to_be_visible()
        screenshot(page, "external-sign-in-desktop")
        forget_the_provider(page)
        page.get_by_role("button", name="Войти через Госуслуги").click()
        through_the_provider(page, subject)
        expect(page.get_by_role("button", name="Выйти")).to_be_visible(timeout=SLOW)

        # Unlinked, the same person at the provider is told to link first.
        page.goto("/external-account")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Отвязать Госуслуги").click()
        expect(page.get_by_role("status")).to_contain_text("отвязана")
        page.get_by_role("button", name="Выйти").click()
        forget_the_provider(page)
        page.get_by_role("button", name="Войти через Госуслуги").click()
        through_the_provider(page, subject)
        expect(page.get_by_role("alert")).to_contain_text("не привязан", timeout=SLOW)
        screenshot(page, "external-not-linked-desktop")
    finally:
        context.close()


def test_the_sign_in_page_offers_gosuslugi_at_360_px(
    browser: Browser, school_with_provider: Embedded
) -> None:
    context = browser.new_context(
        base_url=school_with_provider.base_url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
        timezone_id="Europe/Moscow",
    )
    page = context.new_page()
    try:
        page.goto("/signin")
        button = page.get_by_role("button", name="Войти через Госуслуги")
        expect(button).to_be_visible()
        # Reached with the keyboard alone, after the password form.
        page.get_by_label("Логин").focus()
        for _ in range(6):
            if page.evaluate("document.activeElement?.textContent") == "Войти через Госуслуги":
                break
            page.keyboard.press("Tab")
        expect(button).to_be_focused()
        screenshot(page, "external-sign-in-phone")
    finally:
        context.close()


def test_a_student_is_told_they_keep_their_password(
    browser: Browser, school_with_provider: Embedded
) -> None:
    context = context_for(browser, school_with_provider, DESKTOP)
    page = context.new_page()
    try:
        sign_in_with_password(page, "student")
        page.goto("/external-account")
        expect(page.get_by_text("Ученики входят в журнал по логину и паролю")).to_be_visible()
        expect(page.get_by_role("button", name="Привязать Госуслуги")).to_have_count(0)
    finally:
        context.close()


def test_without_a_provider_the_sign_in_page_has_no_such_button(desktop: BrowserContext) -> None:
    page = desktop.new_page()
    page.goto("/signin")
    expect(page.get_by_role("button", name="Войти", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Войти через Госуслуги")).to_have_count(0)
