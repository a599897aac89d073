"""Mail in the browser: a parent writes to their child's class teacher and reads the
answer, a user writes to support and the sysadmin answers from the help mailbox, a bad
send is refused in Russian with nothing sent, the mailbox fits a 360-px phone; the unread
count in the navigation follows mail arriving and being read, live; an archived thread is
brought back; the class teacher's progress letters sent are listed."""

import datetime as dt
import json
import random
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, Route, expect

from tests.browser.conftest import DESKTOP, api_token, screenshot, sign_in
from tests.embedded_mode.test_embedded_mode import Embedded

pytestmark = [pytest.mark.browser, pytest.mark.alone]
WAIT = 30_000


@pytest.fixture
def other(browser: Browser, school: Embedded) -> Iterator[BrowserContext]:
    """A second person's browser, beside `desktop`."""
    context = browser.new_context(
        base_url=school.base_url, viewport=DESKTOP, locale="ru-RU", timezone_id="Europe/Moscow"
    )
    yield context
    context.close()


def sent_total(school: Embedded, login: str) -> int:
    response = httpx.get(
        f"{school.base_url}/api/messaging/mail/messages",
        params={"folder": "sent", "limit": 1},
        headers={"Authorization": f"Bearer {api_token(school, login)}"},
    )
    response.raise_for_status()
    total: int = response.json()["total"]
    return total


def headers_of(school: Embedded, login: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(school, login)}"}


def unread_mail(school: Embedded, login: str) -> int:
    response = httpx.get(
        f"{school.base_url}/api/messaging/mail/unread", headers=headers_of(school, login)
    )
    response.raise_for_status()
    inbox: int = response.json()["inbox"]
    return inbox


def mail_link(page: Page, unread: int) -> Locator:
    """The navigation's «Почта» link, named with its unread count (none: plain «Почта»)."""
    name = f"Почта, непрочитанных: {unread}" if unread else "Почта"
    return page.get_by_role("navigation", name="Разделы").get_by_role("link", name=name, exact=True)


def parent_writes_to_the_class_teacher(school: Embedded, subject: str) -> None:
    """The demo parent writes to their child's class teacher through the API."""
    parent = headers_of(school, "parent")
    contacts = httpx.get(f"{school.base_url}/api/messaging/mail/contacts", headers=parent)
    contacts.raise_for_status()
    [teacher] = [c for c in contacts.json()["people"] if "5А" in c["leads"]]
    sent = httpx.post(
        f"{school.base_url}/api/messaging/mail/messages",
        json={
            "subject": subject,
            "body": "Добрый день! Можно перенести консультацию на четверг?",
            "to": [{"kind": "person", "id": teacher["id"]}],
        },
        headers=parent,
    )
    assert sent.status_code == 201, sent.text


def write(page: Page, subject: str, body: str, *, to: str | None) -> None:
    """Compose from the mailbox: pick the contact whose label has `to` (None: support)."""
    page.goto("/mail")
    page.get_by_role(
        "link", name="Написать в поддержку" if to is None else "Написать", exact=True
    ).click()
    if to is not None:
        page.get_by_label("Найти адресата").fill(to)
        page.get_by_role("list", name="Можно написать").get_by_role("button").first.click()
    page.get_by_label("Тема").fill(subject)
    page.get_by_label("Текст").fill(body)


def open_thread(page: Page, base: str, subject: str) -> None:
    page.goto(base)
    item = page.get_by_test_id("mail-item").filter(has_text=subject)
    expect(item).to_have_class("unread", timeout=WAIT)
    item.get_by_role("link").click()
    expect(page.get_by_role("heading", name=subject)).to_be_visible(timeout=WAIT)


def test_a_parent_writes_to_the_class_teacher_and_reads_the_answer(
    desktop: BrowserContext, other: BrowserContext
) -> None:
    subject = f"Про домашнее задание {uuid.uuid4().hex[:6]}"
    parent = desktop.new_page()
    sign_in(parent, "parent")
    write(
        parent,
        subject,
        "Здравствуйте! Сын болел, что задано по математике?",
        to="кл. руководитель 5А",
    )
    screenshot(parent, "mail-compose")
    parent.get_by_role("button", name="Отправить").dblclick()  # a double click sends once
    expect(parent.get_by_role("heading", name=subject)).to_be_visible(timeout=WAIT)
    expect(parent.get_by_test_id("mail-message")).to_have_count(1)

    teacher = other.new_page()
    sign_in(teacher, "class-teacher")
    teacher.goto("/mail")
    expect(teacher.get_by_test_id("mail-item").filter(has_text=subject)).to_have_count(
        1, timeout=WAIT
    )
    screenshot(teacher, "mail-inbox")
    open_thread(teacher, "/mail", subject)
    expect(teacher.get_by_text("Сын болел")).to_be_visible()
    teacher.get_by_label("Текст ответа").fill("Параграф 12, задачи 1–5. Выздоравливайте!")
    teacher.get_by_role("button", name="Ответить").click()
    expect(teacher.get_by_role("status")).to_have_text("Ответ отправлен.", timeout=WAIT)
    expect(teacher.get_by_test_id("mail-message")).to_have_count(2, timeout=WAIT)

    open_thread(parent, "/mail", subject)
    expect(parent.get_by_text("Параграф 12, задачи 1–5")).to_be_visible()
    expect(parent.get_by_test_id("receipts")).to_contain_text("Прочитали 1 из 1", timeout=WAIT)
    screenshot(parent, "mail-thread")


def test_a_user_writes_to_support_and_the_sysadmin_answers(
    desktop: BrowserContext, other: BrowserContext
) -> None:
    subject = f"Не вижу оценки {uuid.uuid4().hex[:6]}"
    student = desktop.new_page()
    sign_in(student, "student")
    write(student, subject, "В дневнике пропали оценки за вторник.", to=None)
    expect(student.get_by_role("list", name="Выбранные адресаты")).to_contain_text("Поддержка")
    student.get_by_role("button", name="Отправить").click()
    expect(student.get_by_role("heading", name=subject)).to_be_visible(timeout=WAIT)

    admin = other.new_page()
    sign_in(admin, "admin")
    admin.goto("/mail")
    admin.get_by_role("link", name="Обращения в поддержку").click()
    open_thread(admin, "/mail/help", subject)
    screenshot(admin, "mail-help")
    admin.get_by_label("Текст ответа").fill("Проверили: оценки на месте, обновите страницу.")
    admin.get_by_role("button", name="Ответить").click()
    expect(admin.get_by_role("status")).to_have_text("Ответ отправлен.", timeout=WAIT)

    open_thread(student, "/mail", subject)
    expect(student.get_by_text("оценки на месте")).to_be_visible()


def test_a_forbidden_attachment_is_refused_in_russian_and_nothing_is_sent(
    desktop: BrowserContext, school: Embedded
) -> None:
    before = sent_total(school, "parent")
    page = desktop.new_page()
    sign_in(page, "parent")
    write(page, f"С файлом {uuid.uuid4().hex[:6]}", "Посмотрите файл.", to="кл. руководитель 5А")
    page.get_by_label("Вложения").set_input_files(
        {
            "name": "program.exe",
            "mimeType": "application/octet-stream",
            "buffer": b"MZ\x90\x00" * 64,
        }
    )
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_role("alert")).to_contain_text("нельзя", timeout=WAIT)
    expect(page.get_by_role("heading", name="Новое письмо")).to_be_visible()
    screenshot(page, "mail-refused")
    assert sent_total(school, "parent") == before


def test_a_forbidden_recipient_is_refused_plainly(
    desktop: BrowserContext, school: Embedded
) -> None:
    before = sent_total(school, "parent")
    page = desktop.new_page()
    sign_in(page, "parent")
    write(page, f"Чужому {uuid.uuid4().hex[:6]}", "Текст", to="кл. руководитель 5А")

    def to_a_stranger(route: Route, request: Request) -> None:
        body = request.post_data_json
        body["to"] = [{"kind": "person", "id": str(uuid.uuid4())}]
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/messaging/mail/messages", to_a_stranger)
    page.get_by_role("button", name="Отправить").click()
    expect(page.get_by_role("alert")).to_contain_text("адресат", timeout=WAIT)
    assert sent_total(school, "parent") == before


def test_the_mailbox_fits_a_phone(phone: BrowserContext) -> None:
    page = phone.new_page()
    sign_in(page, "class-teacher")
    page.goto("/mail")
    expect(page.get_by_role("heading", name="Почта")).to_be_visible()
    expect(page.get_by_role("navigation", name="Папки")).to_be_visible()
    expect(page.get_by_text("Загрузка…")).to_have_count(0, timeout=WAIT)
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "mail-phone")
    assert width <= 360


def test_notification_preferences_are_saved(desktop: BrowserContext) -> None:
    page = desktop.new_page()
    sign_in(page, "parent")
    page.goto("/notifications")
    page.get_by_role("link", name="Настройки уведомлений").click()
    homework = page.get_by_label("Домашние задания")
    expect(homework).to_be_visible(timeout=WAIT)
    wanted = not homework.is_checked()
    homework.set_checked(wanted)
    page.get_by_label("Одной сводкой в день").check()
    page.get_by_label("Час сводки").select_option("07:00")
    page.get_by_label("Не присылать письма ночью").set_checked(True)
    page.get_by_label("С", exact=True).fill("21:30")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_role("status")).to_have_text("Сохранено.", timeout=WAIT)
    screenshot(page, "mail-preferences")
    page.reload()
    expect(page.get_by_label("Домашние задания")).to_be_checked(checked=wanted, timeout=WAIT)
    expect(page.get_by_label("Час сводки")).to_have_value("7")
    expect(page.get_by_label("С", exact=True)).to_have_value("21:30")


def test_the_class_teacher_sends_progress_letters_and_schedules_them(
    desktop: BrowserContext,
) -> None:
    day = (dt.date.today() - dt.timedelta(days=random.randint(1, 60))).isoformat()
    page = desktop.new_page()
    sign_in(page, "class-teacher")
    page.get_by_role("link", name="Письма об успеваемости").click()
    expect(page.get_by_label(re.compile("^Класс"))).to_be_visible(timeout=WAIT)
    form = page.get_by_role("form", name="Отправить сейчас")
    form.get_by_label("С", exact=True).fill(day)
    form.get_by_label("По", exact=True).fill(day)
    form.get_by_role("button", name="Отправить письма").click()
    ru_day = ".".join(reversed(day.split("-")))
    sent = page.get_by_test_id("letters-sent").filter(has_text=f"{ru_day} — {ru_day}")
    expect(sent).to_contain_text("писем", timeout=WAIT)
    expect(sent).to_contain_text("семей")
    form.get_by_role("button", name="Отправить письма").click()  # the same range again
    expect(form.get_by_role("alert")).to_have_text(
        "Письма этому классу за этот период уже отправлены.", timeout=WAIT
    )
    page.get_by_label("День недели").select_option("пятница")
    page.get_by_label(re.compile("^Час")).select_option("16:00")
    page.get_by_role("button", name="Отправлять еженедельно").click()
    expect(page.get_by_test_id("schedule")).to_contain_text("пятница, 16:00", timeout=WAIT)
    screenshot(page, "mail-letters")
    page.reload()  # the list is the server's, not this visit's
    expect(
        page.get_by_role("list", name="Отправленные письма")
        .get_by_test_id("letters-sent")
        .filter(has_text=f"{ru_day} — {ru_day}")
    ).to_have_count(1, timeout=WAIT)


def test_the_unread_count_in_the_navigation_follows_mail_live(
    desktop: BrowserContext, school: Embedded
) -> None:
    page = desktop.new_page()
    sign_in(page, "class-teacher")
    before = unread_mail(school, "class-teacher")
    page.goto("/notifications")  # another screen: the navigation is on every one
    expect(mail_link(page, before)).to_be_visible(timeout=WAIT)

    subject = f"Консультация {uuid.uuid4().hex[:6]}"
    parent_writes_to_the_class_teacher(school, subject)

    expect(mail_link(page, before + 1)).to_be_visible(timeout=WAIT)  # no reload: the stream
    expect(page.get_by_test_id("nav-mail-unread")).to_have_text(str(before + 1))
    screenshot(page, "mail-nav-unread")
    mail_link(page, before + 1).click()
    open_thread(page, "/mail", subject)
    expect(mail_link(page, before)).to_be_visible(timeout=WAIT)
    assert unread_mail(school, "class-teacher") == before


def test_an_archived_thread_is_brought_back_from_the_archive(
    desktop: BrowserContext, school: Embedded
) -> None:
    subject = f"В архив и обратно {uuid.uuid4().hex[:6]}"
    parent_writes_to_the_class_teacher(school, subject)
    page = desktop.new_page()
    sign_in(page, "class-teacher")
    open_thread(page, "/mail", subject)
    page.get_by_role("button", name="В архив").click()
    expect(page.get_by_role("heading", name="Почта")).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("mail-item").filter(has_text=subject)).to_have_count(0)

    page.get_by_role("navigation", name="Папки").get_by_role("link", name="Архив").click()
    archived = page.get_by_test_id("mail-item").filter(has_text=subject)
    expect(archived).to_have_count(1, timeout=WAIT)
    screenshot(page, "mail-archive")
    archived.get_by_role("button", name=f"Вернуть из архива: {subject}").click()

    expect(page.get_by_role("status")).to_have_text("Переписка возвращена из архива.", timeout=WAIT)
    expect(archived).to_have_count(0, timeout=WAIT)
    page.get_by_role("navigation", name="Папки").get_by_role(
        "link", name=re.compile("^Входящие")
    ).click()
    expect(page.get_by_test_id("mail-item").filter(has_text=subject)).to_have_count(1, timeout=WAIT)
