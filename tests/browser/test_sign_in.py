"""Signing in and out, the session surviving an expired access token, and the message
when the server is away."""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import screenshot, settled, sign_in

# alone: one embedded system for all of them, and no parallel workers taking the CPU
# the browser's timing depends on (`./school test` runs them in its second pass)
pytestmark = [pytest.mark.browser, pytest.mark.alone]


def test_a_teacher_signs_in_sees_their_name_and_role_and_signs_out(
    desktop: BrowserContext,
) -> None:
    page = desktop.new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signin$"))
    screenshot(page, "signin-desktop")

    sign_in(page, "teacher")

    who = page.get_by_test_id("who")
    expect(who).to_contain_text("Учитель")
    expect(page.get_by_role("navigation", name="Разделы")).to_contain_text("Уроки сегодня")
    page.get_by_role("button", name="Выйти").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    page.goto("/today")
    expect(page).to_have_url(re.compile(r"/signin$"))


def test_a_wrong_password_is_said_in_russian(desktop: BrowserContext) -> None:
    page = desktop.new_page()
    page.goto("/signin")
    page.get_by_label("Логин").fill("teacher")
    page.get_by_label("Пароль").fill("not-the-password")
    page.get_by_role("button", name="Войти").click()

    expect(page.get_by_role("alert")).to_have_text("Неверный логин или пароль.")


def test_the_sign_in_page_fits_a_phone(phone: BrowserContext) -> None:
    page = phone.new_page()
    page.goto("/signin")
    expect(page.get_by_role("button", name="Войти")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "signin-phone")


def test_an_expired_access_token_is_refreshed_silently_once(desktop: BrowserContext) -> None:
    page = desktop.new_page()
    sign_in(page, "teacher")
    refreshes: list[str] = []
    page.on(
        "request",
        lambda request: refreshes.append(request.url) if "token/refresh" in request.url else None,
    )
    # a reload forgets the access token (memory only); the refresh token in sessionStorage
    # brings a new one, one refresh for all the page's parallel requests
    page.reload()
    expect(page.get_by_test_id("who")).to_contain_text("Учитель")
    expect(page.get_by_role("heading", name="Уроки сегодня")).to_be_visible()
    settled(page)
    assert len(refreshes) == 1


def test_the_server_away_is_said_plainly(desktop: BrowserContext) -> None:
    page = desktop.new_page()
    sign_in(page, "teacher")

    def unavailable(route: Route) -> None:
        route.fulfill(status=503, content_type="application/problem+json", body="{}")

    page.route("**/api/**", unavailable)
    page.reload()

    expect(page.get_by_role("status")).to_contain_text("Сервер журнала сейчас недоступен")


def test_a_failed_sign_in_with_the_server_away_says_so(page_for_signin: Page) -> None:
    page = page_for_signin
    page.route("**/api/auth/login", lambda route: route.abort())
    page.get_by_label("Логин").fill("teacher")
    page.get_by_label("Пароль").fill("demo-2026")
    page.get_by_role("button", name="Войти").click()

    expect(page.get_by_role("alert")).to_contain_text("Сервер недоступен")


@pytest.fixture
def page_for_signin(desktop: BrowserContext) -> Page:
    page = desktop.new_page()
    page.goto("/signin")
    return page
