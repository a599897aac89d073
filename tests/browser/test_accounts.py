"""The account screens in a real Chromium against the embedded demo school: the deputy
issues a class's credentials and gets the PDF of slips, a parent of the class signs in the
first time with the slip's code and lands on the diary, a used code is refused; the
sysadmin creates a teacher and grants a role (only the grantable ones offered); one's own
sessions, one signed out; a parent's consents; every screen at 360 px."""

import io
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from tests.browser.conftest import PHONE, api_token, screenshot, sign_in
from tests.embedded_mode.test_embedded_mode import Embedded

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Сирень цветёт 2026"
PARENT_SLIP = re.compile(
    r"Родитель \(законный представитель\).*?Логин:\s*(\S+)\s+"
    r"Код активации:\s*([0-9A-Z]{5}-[0-9A-Z]{5})",
    re.DOTALL,
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


class Caller:
    def __init__(self, school: Embedded, login: str) -> None:
        self.http = httpx.Client(
            base_url=school.base_url,
            headers={"Authorization": f"Bearer {api_token(school, login)}"},
            timeout=30,
        )

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params)
        response.raise_for_status()
        return response.json()


def new_class(school: Embedded) -> tuple[str, str]:
    """A class opened today with two new students and their mother, none issued yet (the
    demo school's people all hold accounts); once auth knows them from journal's events."""
    deputy = Caller(school, "deputy")
    name = f"1{uuid.uuid4().hex[:3].upper()}"
    opened = deputy.http.post("/api/journal/classes", json={"name": name, "grade": 1})
    assert opened.status_code == 201, opened.text
    class_id = str(opened.json()["class_id"])
    children = []
    for first in ("Алиса", "Борис"):
        enrolled = deputy.http.post(
            "/api/journal/students",
            json={
                "class_id": class_id,
                "last_name": "Новикова" if first == "Алиса" else "Новиков",
                "first_name": first,
                "birth_date": "2019-03-01",
            },
        )
        assert enrolled.status_code == 201, enrolled.text
        children.append(enrolled.json()["student_id"])
    mother = deputy.http.post(
        "/api/journal/guardians",
        json={
            "last_name": "Новикова",
            "first_name": "Дарья",
            "middle_name": "Игоревна",
            "kind": "mother",
            "student_ids": children,
        },
    )
    assert mother.status_code == 201, mother.text
    people = [(c, "student") for c in children] + [(mother.json()["guardian_id"], "parent")]

    def known_to_auth() -> bool:
        # A taken login makes the probe a 409 once auth knows the person (404 before): no
        # account is made either way.
        for person_id, kind in people:
            probe = deputy.http.post(
                "/api/auth/credentials",
                json={"person_id": person_id, "kind": kind, "login": "admin"},
            )
            if probe.status_code == 404:
                return False
            assert probe.status_code == 409, probe.text
        return True

    wait_until(known_to_auth)
    return class_id, name


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "auth did not learn of journal's roster in time"
        time.sleep(0.2)


def narrow(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def parent_slip(pdf: Path) -> tuple[str, str]:
    """The login and code of the first parent's slip in the class's PDF."""
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    match = PARENT_SLIP.search(text)
    assert match is not None, text[:2000]
    return match.group(1), match.group(2)


def activate(page: Page, login: str, code: str, password: str = NEW_PASSWORD) -> None:
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Код активации").fill(code)
    page.get_by_label("Новый пароль", exact=True).fill(password)
    page.get_by_label("Пароль ещё раз").fill(password)
    page.get_by_role("button", name="Сохранить пароль и войти").click()


def test_the_deputy_issues_a_class_and_a_parent_signs_in_first_with_the_code(
    desktop: BrowserContext, school: Embedded
) -> None:
    first, name = new_class(school)
    page = desktop.new_page()
    sign_in(page, "deputy")
    page.get_by_role("navigation", name="Разделы").get_by_role(
        "link", name="Доступ классов"
    ).click()
    page.get_by_label("Класс").select_option(first)
    expect(page).to_have_url(re.compile(f"/class-access/{first}$"))
    people = page.get_by_role("list", name=f"Ученики и родители {name}")
    expect(people.locator("[data-state='none']")).to_have_count(3)
    expect(people.get_by_role("listitem").first).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Выдать доступ классу (PDF с листками)").click()
    assert download.value.suggested_filename == f"доступ-{name}.pdf"
    pdf = Path(download.value.path())
    assert pdf.read_bytes().startswith(b"%PDF")
    login, code = parent_slip(pdf)
    expect(page.get_by_role("status")).to_contain_text("Коды выданы")
    expect(page.get_by_role("link", name="Открыть PDF для печати")).to_be_visible()
    issued = people.locator("[data-state='issued']")
    expect(issued.first).to_be_visible()
    expect(people.locator("[data-state='none']")).to_have_count(0)
    expect(page.get_by_text(login, exact=False).first).to_be_visible()
    screenshot(page, "accounts-class-desktop")

    # The parent, at home, with the slip.
    home = browser_of(desktop).new_context(
        base_url=school.base_url,
        viewport={"width": 1280, "height": 800},
        locale="ru-RU",
        timezone_id="Europe/Moscow",
    )
    try:
        parent = home.new_page()
        parent.goto("/signin")
        parent.get_by_role("link", name="Первый вход: у меня есть код").click()
        expect(parent.get_by_role("heading", name="Первый вход")).to_be_visible()
        # The policy's answers, beside the field: too short here, too common from the server.
        activate(parent, login, code, "коротко")
        expect(parent.get_by_role("alert")).to_have_text(
            "Слишком короткий пароль: нужно не меньше 8 символов."
        )
        activate(parent, login, code, "password123")
        expect(parent.get_by_role("alert")).to_contain_text("слишком распространён")
        parent.get_by_label("Новый пароль", exact=True).fill(NEW_PASSWORD)
        parent.get_by_label("Пароль ещё раз").fill(NEW_PASSWORD + "!")
        parent.get_by_role("button", name="Сохранить пароль и войти").click()
        expect(parent.get_by_role("alert")).to_have_text("Пароли не совпадают.")
        parent.get_by_label("Пароль ещё раз").fill(NEW_PASSWORD)
        screenshot(parent, "accounts-activate-desktop")
        parent.get_by_role("button", name="Сохранить пароль и войти").click()
        expect(parent).to_have_url(re.compile(r"/diary/"))
        expect(parent.get_by_role("button", name="Выйти", exact=True)).to_be_visible()
        expect(parent.get_by_role("heading", name="Дневник")).to_be_visible()

        # The code is spent: a second first sign-in with it is refused, in Russian.
        again = home.new_page()
        parent.get_by_role("button", name="Выйти", exact=True).click()
        again.goto("/activate")
        activate(again, login, code, "Другой пароль 2026")
        expect(again.get_by_role("alert")).to_contain_text("код уже использован")
        expect(again).to_have_url(re.compile(r"/activate$"))
        screenshot(again, "accounts-activate-used-desktop")
    finally:
        home.close()

    page.reload()
    expect(people.locator(f"[data-state='activated']:has-text('{login}')")).to_have_count(1)

    # One person's new code (their slip was lost), shown once; another's access disabled.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Новый код: Новиков Борис").click()
    card = page.get_by_role("region", name="Код активации: Новиков Борис")
    expect(card.get_by_test_id("issued-code")).to_have_text(
        re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Отключить: Новикова Алиса").click()
    expect(people.locator("[data-state='disabled']")).to_contain_text("Новикова Алиса")
    expect(people.locator("[data-state='disabled']")).to_contain_text("Отключён")


def test_the_sysadmin_creates_a_teacher_and_grants_a_role(
    desktop: BrowserContext, school: Embedded
) -> None:
    surname = f"Тестова-{uuid.uuid4().hex[:4]}"
    page = desktop.new_page()
    sign_in(page, "admin")
    page.get_by_role("link", name="Сотрудники").click()
    form = page.get_by_role("form", name="Новый сотрудник")
    # The demo school has its director: the sysadmin may appoint none, so none is offered.
    expect(form.get_by_label("Учитель", exact=True)).to_be_visible()
    expect(form.get_by_label("Директор", exact=True)).to_have_count(0)
    form.get_by_label("Фамилия").fill(surname)
    form.get_by_label("Имя", exact=True).fill("Вера")
    form.get_by_label("Отчество").fill("Павловна")
    form.get_by_label("Учитель", exact=True).check()
    form.get_by_role("button", name="Создать учётную запись").click()

    card = page.get_by_role("region", name=re.compile(f"Код активации: {surname}"))
    expect(card).to_be_visible()
    login = card.get_by_test_id("issued-login").inner_text()
    code = card.get_by_test_id("issued-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", code)
    member = page.locator(f"li.member[data-login='{login}']")
    expect(member).to_contain_text("Выдан, не активирован")
    name = f"{surname} Вера Павловна"
    options = member.get_by_label(f"Добавить роль: {name}").locator("option")
    expect(options).not_to_have_count(0)
    assert "Директор" not in options.all_inner_texts()
    member.get_by_label(f"Добавить роль: {name}").select_option(label="Классный руководитель")
    member.get_by_role("button", name=f"Выдать роль: {name}").click()
    roles = member.get_by_role("list", name=f"Роли: {name}")
    expect(roles).to_contain_text("Классный руководитель")
    expect(roles).to_contain_text("Учитель")
    screenshot(page, "accounts-staff-desktop")

    # The grant table holds at the server too: the director is refused to the sysadmin.
    admin = Caller(school, "admin")
    account_id = next(
        a["account_id"]
        for a in admin.get("/api/auth/accounts", kind="staff", limit=500)["items"]
        if a["login"] == login
    )
    refused = admin.http.put(f"/api/auth/accounts/{account_id}/roles/director")
    assert refused.status_code == 403

    # The teacher's first sign-in with the code, then their own password change.
    teacher_context = browser_of(desktop).new_context(
        base_url=school.base_url, viewport={"width": 1280, "height": 800}, locale="ru-RU"
    )
    try:
        teacher = teacher_context.new_page()
        teacher.goto("/activate")
        activate(teacher, login, code)
        expect(teacher.get_by_role("button", name="Выйти", exact=True)).to_be_visible()
        teacher.get_by_role("link", name="Мой профиль").click()
        teacher.get_by_label("Нынешний пароль").fill("не тот пароль")
        teacher.get_by_label("Новый пароль", exact=True).fill("Новый пароль учителя")
        teacher.get_by_label("Новый пароль ещё раз").fill("Новый пароль учителя")
        teacher.get_by_role("button", name="Сменить пароль").click()
        expect(teacher.get_by_role("alert")).to_have_text("Нынешний пароль введён неверно.")
        teacher.get_by_label("Нынешний пароль").fill(NEW_PASSWORD)
        teacher.get_by_role("button", name="Сменить пароль").click()
        expect(teacher.get_by_role("status")).to_contain_text("Пароль изменён")
        expect(teacher.get_by_role("button", name="Выйти", exact=True)).to_be_visible()
        signed = httpx.post(
            f"{school.base_url}/api/auth/login",
            json={"login": login, "password": "Новый пароль учителя"},
        )
        assert signed.status_code == 200
    finally:
        teacher_context.close()

    # Someone who grants nothing is told so plainly.
    director = desktop.new_page()
    page.get_by_role("button", name="Выйти", exact=True).click()
    sign_in(director, "director")
    director.goto("/staff")
    expect(director.get_by_role("alert").first).to_have_text("Это действие вам недоступно.")


def test_a_user_sees_their_sessions_and_signs_one_out(
    desktop: BrowserContext, school: Embedded
) -> None:
    # A sign-in from a phone, elsewhere.
    elsewhere = httpx.post(
        f"{school.base_url}/api/auth/login",
        json={"login": "teacher", "password": "demo-2026"},
        headers={"User-Agent": IPHONE},
    ).json()
    page = desktop.new_page()
    sign_in(page, "teacher")
    page.get_by_role("link", name="Мой профиль").click()
    sessions = page.get_by_role("list", name="Сеансы")
    expect(sessions.locator("[data-current]")).to_have_count(1)
    expect(sessions.locator("[data-current]")).to_contain_text("этот сеанс")
    phones = sessions.get_by_role("button", name=re.compile("^Завершить сеанс: Safari, iOS"))
    expect(phones.first).to_be_visible()
    before = phones.count()
    screenshot(page, "accounts-sessions-desktop")

    phones.first.click()

    expect(phones).to_have_count(before - 1)
    refreshed = httpx.post(
        f"{school.base_url}/api/auth/token/refresh",
        json={"refresh_token": elsewhere["refresh_token"]},
    )
    # The newest of the iPhone sessions is listed first: the one signed in above.
    assert refreshed.status_code == 401
    expect(sessions.locator("[data-current]")).to_have_count(1)


def test_a_parent_gives_and_revokes_a_consent(desktop: BrowserContext, school: Embedded) -> None:
    page = desktop.new_page()
    sign_in(page, "parent")
    page.get_by_role("link", name="Согласия").click()
    consent = page.locator("li.consent[data-purpose='email_notifications']").first
    expect(consent).to_be_visible()
    toggle = consent.get_by_role("button")
    if consent.get_attribute("data-given") == "true":
        toggle.click()
        expect(consent).to_have_attribute("data-given", "false")

    expect(toggle).to_have_accessible_name(
        re.compile("^Дать согласие: Уведомления по электронной почте, ")
    )
    toggle.click()
    expect(consent).to_have_attribute("data-given", "true")
    expect(consent).to_contain_text(re.compile(r"Дано \d\d\.\d\d\.\d{4}, \d\d:\d\d"))
    given = {
        (c["student_id"], c["purpose"]): c["given"]
        for c in Caller(school, "parent").get("/api/auth/consents")["consents"]
    }
    assert True in given.values()
    screenshot(page, "accounts-consents-desktop")

    consent.get_by_role("button", name=re.compile("^Отозвать согласие")).click()
    expect(consent).to_have_attribute("data-given", "false")
    expect(consent).to_contain_text("Отозвано")
    assert not any(
        c["given"]
        for c in Caller(school, "parent").get("/api/auth/consents")["consents"]
        if c["purpose"] == "email_notifications"
    )


@pytest.mark.parametrize(
    ("login", "path", "name", "ready"),
    [
        ("deputy", "/class-access/{new_class}", "accounts-class-phone", "Ученики и родители"),
        ("admin", "/staff", "accounts-staff-phone", "Сотрудники"),
        ("teacher", "/account", "accounts-sessions-phone", "Сеансы"),
        ("parent", "/consents", "accounts-consents-phone", None),
    ],
)
def test_the_account_screens_fit_a_phone(
    phone: BrowserContext,
    school: Embedded,
    login: str,
    path: str,
    name: str,
    ready: str | None,
) -> None:
    page = phone.new_page()
    sign_in(page, login)
    if "{new_class}" in path:
        path = path.format(new_class=new_class(school)[0])
    page.goto(path)
    if ready:
        listed = page.get_by_role("list", name=re.compile(f"^{ready}"))
        expect(listed.get_by_role("listitem").first).to_be_visible()
    else:
        expect(page.locator("li.consent").first).to_be_visible()
    if login == "admin":
        page.get_by_label("Найти по фамилии, имени или логину").fill("s1-teacher00")
        expect(page.get_by_text(re.compile(r"^Показано: \d+ из"))).to_be_visible()
    narrow(page)
    screenshot(page, name)


def test_the_first_sign_in_fits_a_phone(phone: BrowserContext) -> None:
    page = phone.new_page()
    page.goto("/signin")
    page.get_by_role("link", name="Первый вход: у меня есть код").click()
    expect(page.get_by_label("Код активации")).to_be_visible()
    narrow(page)
    screenshot(page, "accounts-activate-phone")


def browser_of(context: BrowserContext) -> Browser:
    browser = context.browser
    assert browser is not None
    return browser
