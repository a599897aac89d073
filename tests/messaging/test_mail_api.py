"""Internal mail through its HTTP API: threads, group addressing resolved at send time,
read receipts and unread counts, per-mailbox archive and delete, search, attachments,
the help mailbox, and the events for the activity report."""

from datetime import date

import httpx
import pytest
from mail_testkit import (
    MAIL,
    Deliver,
    School,
    build_school,
    count,
    inbox,
    outbox_of,
    person,
    send,
)

from shared.contracts.journal import GuardianUnlinked, StudentLeft
from shared.db import Database
from shared.testing import TokenFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
async def school(tokens: TokenFactory, deliver: Deliver) -> School:
    return await build_school(tokens, deliver)


async def test_a_message_to_the_parents_of_a_class_reaches_each_of_them_once(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    answer = await send(
        client,
        school.class_teacher,
        [{"kind": "class", "audience": "parents", "class_id": str(school.classes["5А"])}],
    )

    assert answer.status_code == 201, answer.text
    sent = answer.json()
    assert sent["delivered"] == 2
    for reader in (school.parent, school.other_parent):
        page = await inbox(client, reader)
        assert [m["subject"] for m in page["items"]] == ["Родительское собрание"]
        assert page["items"][0]["sender"]["name"] == "Классова Анна Петровна"
    assert (await inbox(client, school.parent_5b))["total"] == 0
    assert (await inbox(client, school.class_teacher, folder="sent"))["total"] == 1
    assert (
        await count(
            db,
            "SELECT count(*) FROM mailbox_entries WHERE message_id = :m",
            m=sent["message"]["id"],
        )
        == 3  # two inboxes and the sender's own copy
    )


async def test_a_parallel_reaches_every_class_of_the_grade(
    client: httpx.AsyncClient, school: School
) -> None:
    for audience, expected in (("parents", 3), ("students", 3), ("teachers", 3)):
        answer = await send(
            client, school.deputy, [{"kind": "parallel", "audience": audience, "grade": 5}]
        )
        assert answer.status_code == 201, answer.text
        # 5А: class teacher and mathematics teacher; 5Б: its teacher (the class teacher
        # of 5А counts once though she teaches and leads there).
        assert answer.json()["delivered"] == expected, audience
    assert (await inbox(client, school.parent_6a))["total"] == 0
    assert (await inbox(client, school.teacher_6a))["total"] == 0


async def test_all_staff_reaches_every_staff_member_but_no_family(
    client: httpx.AsyncClient, school: School
) -> None:
    answer = await send(client, school.director, [{"kind": "staff"}])

    assert answer.status_code == 201, answer.text
    assert answer.json()["delivered"] == 6  # seven staff, the director not writing to herself
    assert (await inbox(client, school.sysadmin))["total"] == 1
    assert (await inbox(client, school.parent))["total"] == 0


async def test_groups_are_resolved_when_the_message_is_sent(
    client: httpx.AsyncClient, school: School, deliver: Deliver
) -> None:
    await deliver(
        GuardianUnlinked(
            school_id=school.id,
            version=2,
            guardian_id=school.other_parent.id,
            student_id=school.classmate.id,
        )
    )
    await deliver(
        StudentLeft(
            school_id=school.id,
            version=2,
            student_id=school.student.id,
            class_id=school.classes["5А"],
            last_day=school_day(),
        )
    )

    answer = await send(
        client,
        school.teacher,
        [{"kind": "class", "audience": "parents", "class_id": str(school.classes["5А"])}],
    )

    # Nobody is left: one parent unlinked, the other's child left the school.
    assert answer.status_code == 422
    assert answer.json()["type"] == "urn:school:problem:no-recipients"
    assert (await inbox(client, school.teacher, folder="sent"))["total"] == 0


def school_day() -> date:
    return date(2026, 11, 30)


async def test_a_parent_sees_a_group_by_its_name_and_no_other_family(
    client: httpx.AsyncClient, school: School
) -> None:
    answer = await send(
        client,
        school.class_teacher,
        [
            {"kind": "class", "audience": "parents", "class_id": str(school.classes["5А"])},
            person(school.parent_5b),
            person(school.director),
        ],
    )
    assert answer.status_code == 201, answer.text
    [summary] = (await inbox(client, school.parent))["items"]

    seen = (
        await client.get(f"{MAIL}/messages/{summary['id']}", headers=school.parent.headers)
    ).json()

    assert seen["recipients"] == [
        {"kind": "group", "id": None, "name": "Родители 5А"},
        {"kind": "staff", "id": str(school.director.id), "name": "Директорова Анна Петровна"},
    ]
    assert seen["hidden_recipients"] == 1
    assert str(school.parent_5b.id) not in str(seen) and str(school.other_parent.id) not in str(
        seen
    )
    # The sender sees whom she addressed.
    mine = (
        await client.get(f"{MAIL}/messages/{summary['id']}", headers=school.class_teacher.headers)
    ).json()
    assert {"kind": "parent", "id": str(school.parent_5b.id), "name": None} in mine["recipients"]


async def test_a_parents_reply_goes_to_the_sender_only(
    client: httpx.AsyncClient, school: School
) -> None:
    first = await send(
        client,
        school.class_teacher,
        [{"kind": "class", "audience": "parents", "class_id": str(school.classes["5А"])}],
    )
    thread = first.json()["message"]["thread_id"]

    answer = await client.post(
        f"{MAIL}/threads/{thread}/messages",
        json={"body": "Придём обязательно."},
        headers=school.parent.headers,
    )

    assert answer.status_code == 201, answer.text
    assert answer.json()["delivered"] == 1
    teacher_thread = (
        await client.get(f"{MAIL}/threads/{thread}", headers=school.class_teacher.headers)
    ).json()
    assert [m["body"] for m in teacher_thread["messages"]] == [
        "Собрание в пятницу в 18:00.",
        "Придём обязательно.",
    ]
    other = (
        await client.get(f"{MAIL}/threads/{thread}", headers=school.other_parent.headers)
    ).json()
    assert [m["body"] for m in other["messages"]] == ["Собрание в пятницу в 18:00."]
    # Asking to answer everyone is refused to a parent, and sends nothing.
    refused = await client.post(
        f"{MAIL}/threads/{thread}/messages",
        json={"body": "Всем привет", "all": True},
        headers=school.parent.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["type"] == "urn:school:problem:reply-all-not-allowed"


async def test_a_teacher_answers_the_parent_who_wrote(
    client: httpx.AsyncClient, school: School
) -> None:
    first = await send(client, school.parent, [person(school.class_teacher)], subject="Вопрос")
    assert first.status_code == 201, first.text
    thread = first.json()["message"]["thread_id"]

    answer = await client.post(
        f"{MAIL}/threads/{thread}/messages",
        json={"body": "Отвечаю на ваш вопрос."},
        headers=school.class_teacher.headers,
    )

    assert answer.status_code == 201, answer.text
    [received] = (await inbox(client, school.parent))["items"]
    assert received["subject"] == "Вопрос"
    assert received["sender"]["kind"] == "staff"


async def test_read_receipts_and_unread_counts(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    answer = await send(
        client,
        school.class_teacher,
        [{"kind": "class", "audience": "parents", "class_id": str(school.classes["5А"])}],
    )
    message = answer.json()["message"]["id"]
    assert (await client.get(f"{MAIL}/unread", headers=school.parent.headers)).json() == {
        "inbox": 1,
        "help": None,
    }

    for _ in range(2):  # reading twice keeps the first reading and announces it once
        read = await client.post(f"{MAIL}/messages/{message}/read", headers=school.parent.headers)
        assert read.status_code == 204

    assert (await client.get(f"{MAIL}/unread", headers=school.parent.headers)).json()["inbox"] == 0
    assert (await client.get(f"{MAIL}/unread", headers=school.other_parent.headers)).json()[
        "inbox"
    ] == 1
    receipts = (
        await client.get(
            f"{MAIL}/messages/{message}/receipts", headers=school.class_teacher.headers
        )
    ).json()
    assert (receipts["recipients"], receipts["read"]) == (2, 1)
    by_reader = {r["recipient"]["id"]: r["read_at"] for r in receipts["items"]}
    assert by_reader[str(school.parent.id)] is not None
    assert by_reader[str(school.other_parent.id)] is None
    # Only the sender sees receipts.
    assert (
        await client.get(f"{MAIL}/messages/{message}/receipts", headers=school.parent.headers)
    ).status_code == 404
    [read_event] = [
        e
        for e in await outbox_of(db, "messaging.message.read.v1")
        if e["data"]["message_id"] == message
    ]
    assert read_event["data"]["mailbox_id"] == str(school.parent.id)
    assert read_event["data"]["reader_kind"] == "parent"
    assert read_event["schoolid"] == str(school.id)


async def test_archive_and_delete_touch_only_ones_own_copy(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    answer = await send(client, school.teacher, [person(school.parent), person(school.student)])
    message = answer.json()["message"]["id"]

    archived = await client.post(
        f"{MAIL}/messages/{message}/archive", headers=school.parent.headers
    )
    assert archived.status_code == 204
    assert (await inbox(client, school.parent))["total"] == 0
    assert (await inbox(client, school.parent, folder="archive"))["total"] == 1
    assert (await inbox(client, school.student))["total"] == 1

    back = await client.delete(f"{MAIL}/messages/{message}/archive", headers=school.parent.headers)
    assert back.status_code == 204
    assert (await inbox(client, school.parent))["total"] == 1

    deleted = await client.delete(f"{MAIL}/messages/{message}", headers=school.parent.headers)
    assert deleted.status_code == 204
    assert (await inbox(client, school.parent, folder="all"))["total"] == 0
    assert (await inbox(client, school.student))["total"] == 1
    assert (await inbox(client, school.teacher, folder="sent"))["total"] == 1
    again = await client.delete(f"{MAIL}/messages/{message}", headers=school.parent.headers)
    assert again.status_code == 404

    # Once the last copy goes, the message goes too.
    for holder in (school.student, school.teacher):
        await client.delete(f"{MAIL}/messages/{message}", headers=holder.headers)
    assert await count(db, "SELECT count(*) FROM mail_messages WHERE id = :m", m=message) == 0


async def test_a_thread_is_archived_and_restored_whole_in_ones_own_mailbox_only(
    client: httpx.AsyncClient, school: School
) -> None:
    answer = await send(client, school.teacher, [person(school.parent), person(school.student)])
    thread = answer.json()["message"]["thread_id"]
    replied = await client.post(
        f"{MAIL}/threads/{thread}/messages",
        json={"body": "Спасибо!"},
        headers=school.parent.headers,
    )
    assert replied.status_code == 201, replied.text
    await client.post(
        f"{MAIL}/threads/{thread}/messages",
        json={"body": "Пожалуйста."},
        headers=school.teacher.headers,
    )
    assert (await client.get(f"{MAIL}/unread", headers=school.parent.headers)).json()["inbox"] == 2

    archived = await client.post(f"{MAIL}/threads/{thread}/archive", headers=school.parent.headers)

    assert archived.status_code == 204
    assert (await inbox(client, school.parent, folder="archive"))["total"] == 3  # theirs and sent
    assert (await inbox(client, school.parent))["total"] == 0
    assert (await inbox(client, school.parent, folder="sent"))["total"] == 0
    assert (await client.get(f"{MAIL}/unread", headers=school.parent.headers)).json()["inbox"] == 0
    assert (await inbox(client, school.student))["total"] == 1  # the others keep theirs
    assert (await inbox(client, school.teacher))["total"] == 1

    restored = await client.delete(
        f"{MAIL}/threads/{thread}/archive", headers=school.parent.headers
    )

    assert restored.status_code == 204
    assert (await inbox(client, school.parent, folder="archive"))["total"] == 0
    assert (await inbox(client, school.parent))["total"] == 2
    assert (await inbox(client, school.parent, folder="sent"))["total"] == 1
    assert (await client.get(f"{MAIL}/unread", headers=school.parent.headers)).json()["inbox"] == 2
    again = await client.delete(f"{MAIL}/threads/{thread}/archive", headers=school.parent.headers)
    assert again.status_code == 204  # restoring what is not archived changes nothing
    assert (await inbox(client, school.parent))["total"] == 2


async def test_restoring_a_thread_refuses_bad_input_and_others_mailboxes(
    client: httpx.AsyncClient, school: School
) -> None:
    answer = await send(client, school.teacher, [person(school.parent)])
    thread = answer.json()["message"]["thread_id"]
    await client.post(f"{MAIL}/threads/{thread}/archive", headers=school.parent.headers)

    bad = await client.delete(f"{MAIL}/threads/not-a-thread/archive", headers=school.parent.headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    help_box = await client.delete(
        f"{MAIL}/threads/{thread}/archive",
        params={"mailbox": "help"},
        headers=school.parent.headers,
    )
    assert help_box.status_code == 403
    odd = await client.delete(
        f"{MAIL}/threads/{thread}/archive", params={"mailbox": "x"}, headers=school.parent.headers
    )
    assert odd.status_code == 422
    unknown = await client.delete(
        f"{MAIL}/threads/{answer.json()['message']['id']}/archive", headers=school.parent.headers
    )
    assert unknown.status_code == 404
    assert (await inbox(client, school.parent, folder="archive"))["total"] == 1  # still there


async def test_search_finds_ones_own_mail_by_russian_word_forms(
    client: httpx.AsyncClient, school: School
) -> None:
    await send(
        client,
        school.teacher,
        [person(school.parent)],
        subject="Контрольная работа",
        body="Завтра контрольная по дробям, повторите оценки за четверть.",
    )
    await send(
        client, school.teacher, [person(school.parent)], subject="Экскурсия", body="В музей."
    )
    await send(
        client,
        school.teacher,
        [person(school.other_parent)],
        subject="Контрольные",
        body="Контрольная и у вас.",
    )

    found = await inbox(client, school.parent, q="контрольной оценка", folder="all")
    assert [m["subject"] for m in found["items"]] == ["Контрольная работа"]
    assert (await inbox(client, school.parent, q="музеи"))["total"] == 1
    assert (await inbox(client, school.parent, q="дробь"))["total"] == 1
    assert (await inbox(client, school.parent, q="кошка"))["total"] == 0


async def test_attachments_are_kept_and_given_only_to_those_holding_the_message(
    client: httpx.AsyncClient, school: School
) -> None:
    message = {
        "subject": "Расписание",
        "body": "Во вложении.",
        "to": [person(school.parent)],
    }
    import json

    answer = await client.post(
        f"{MAIL}/messages",
        data={"message": json.dumps(message)},
        files=[("file", ("расписание.png", PNG, "application/pdf"))],
        headers=school.teacher.headers,
    )

    assert answer.status_code == 201, answer.text
    [attachment] = answer.json()["message"]["attachments"]
    assert attachment["content_type"] == "image/png"  # by the content, not the client's word
    assert attachment["file_name"] == "расписание.png"
    got = await client.get(f"{MAIL}/attachments/{attachment['id']}", headers=school.parent.headers)
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    for stranger in (school.other_parent, school.teacher_6a):
        refused = await client.get(
            f"{MAIL}/attachments/{attachment['id']}", headers=stranger.headers
        )
        assert refused.status_code == 404


async def test_help_reaches_every_sysadmin_through_one_shared_mailbox(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    second = await school.staff("sysadmin2", ["sysadmin"], "Второва")
    asked = await send(
        client, school.parent, [{"kind": "help"}], subject="Не могу войти", body="Помогите."
    )
    assert asked.status_code == 201, asked.text
    thread = asked.json()["message"]["thread_id"]

    for admin in (school.sysadmin, second):
        shared = await inbox(client, admin, mailbox="help")
        assert [m["subject"] for m in shared["items"]] == ["Не могу войти"]
        assert (await inbox(client, admin))["total"] == 0  # not in their own inboxes
    counts = (await client.get(f"{MAIL}/unread", headers=second.headers)).json()
    assert counts == {"inbox": 0, "help": 1}
    assert (
        await inbox_status(client, school.teacher, "help")
    ) == 403  # only sysadmins open «Помощь»

    answered = await client.post(
        f"{MAIL}/threads/{thread}/messages",
        params={"mailbox": "help"},
        json={"body": "Пароль сброшен."},
        headers=second.headers,
    )
    assert answered.status_code == 201, answered.text
    [reply] = (await inbox(client, school.parent))["items"]
    assert reply["sender"] == {"kind": "help", "id": reply["sender"]["id"], "name": "Помощь"}
    # The parent's answer goes back to the shared mailbox, which both sysadmins see.
    again = await client.post(
        f"{MAIL}/threads/{thread}/messages",
        json={"body": "Спасибо!"},
        headers=school.parent.headers,
    )
    assert again.status_code == 201
    seen = (
        await client.get(
            f"{MAIL}/threads/{thread}", params={"mailbox": "help"}, headers=school.sysadmin.headers
        )
    ).json()
    assert [m["body"] for m in seen["messages"]] == ["Помогите.", "Пароль сброшен.", "Спасибо!"]
    sent = [
        e["data"]
        for e in await outbox_of(db, "messaging.message.sent.v1")
        if e["data"]["thread_id"] == thread
    ]
    assert sorted(d["sender_kind"] for d in sent) == ["help", "parent", "parent"]


async def inbox_status(client: httpx.AsyncClient, reader: object, mailbox: str) -> int:
    response = await client.get(
        f"{MAIL}/messages",
        params={"mailbox": mailbox},
        headers=reader.headers,  # type: ignore[attr-defined]
    )
    return response.status_code


async def test_the_sent_event_carries_ids_and_counts_only(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    answer = await send(
        client,
        school.class_teacher,
        [
            {"kind": "class", "audience": "parents", "class_id": str(school.classes["5А"])},
            person(school.director),
        ],
        subject="Секретная тема",
        body="Секретный текст",
    )
    message = answer.json()["message"]

    [event] = [
        e
        for e in await outbox_of(db, "messaging.message.sent.v1")
        if e["data"]["message_id"] == message["id"]
    ]

    assert event["schoolid"] == str(school.id)
    assert event["subject"] == f"message/{message['id']}"
    assert {k: v for k, v in event["data"].items() if k != "sent_at"} == {
        "message_id": message["id"],
        "thread_id": message["thread_id"],
        "sender_kind": "staff",
        "sender_roles": ["class_teacher", "teacher"],
        "recipients": 3,
        "groups": 1,
        "attachments": 0,
        "reply": False,
    }
    assert "Секрет" not in str(event) and "Классова" not in str(event)


async def test_another_schools_and_another_mailboxs_messages_are_not_found(
    client: httpx.AsyncClient, school: School, tokens: TokenFactory, deliver: Deliver
) -> None:
    answer = await send(client, school.teacher, [person(school.parent)])
    message = answer.json()["message"]
    elsewhere = await build_school(tokens, deliver)

    for stranger in (school.other_parent, school.student_5b, elsewhere.teacher, elsewhere.director):
        for method, url in (
            ("GET", f"{MAIL}/messages/{message['id']}"),
            ("GET", f"{MAIL}/threads/{message['thread_id']}"),
            ("POST", f"{MAIL}/messages/{message['id']}/read"),
            ("POST", f"{MAIL}/messages/{message['id']}/archive"),
            ("POST", f"{MAIL}/threads/{message['thread_id']}/archive"),
            ("DELETE", f"{MAIL}/threads/{message['thread_id']}/archive"),
            ("DELETE", f"{MAIL}/messages/{message['id']}"),
            ("GET", f"{MAIL}/messages/{message['id']}/receipts"),
        ):
            response = await client.request(method, url, headers=stranger.headers)
            assert response.status_code == 404, (method, url, response.text)
        reply = await client.post(
            f"{MAIL}/threads/{message['thread_id']}/messages",
            json={"body": "Чужое"},
            headers=stranger.headers,
        )
        assert reply.status_code == 404
    assert (await inbox(client, school.parent))["items"][0]["read_at"] is None


async def test_a_caller_without_a_token_or_a_mailbox_role_is_refused(
    client: httpx.AsyncClient, school: School, tokens: TokenFactory
) -> None:
    assert (await client.get(f"{MAIL}/messages")).status_code == 401
    inspector = tokens.token(school_id=school.id, roles=["district_inspector"])
    refused = await client.get(f"{MAIL}/messages", headers={"Authorization": f"Bearer {inspector}"})
    assert refused.status_code == 403


async def test_a_staff_reply_to_all_reaches_the_sender_and_the_groups_again(
    client: httpx.AsyncClient, school: School
) -> None:
    first = await send(
        client,
        school.director,
        [
            {"kind": "class", "audience": "teachers", "class_id": str(school.classes["5А"])},
            person(school.deputy),
        ],
        subject="Педсовет",
    )
    thread = first.json()["message"]["thread_id"]

    answer = await client.post(
        f"{MAIL}/threads/{thread}/messages",
        json={"body": "Буду.", "all": True},
        headers=school.teacher.headers,
    )

    # The director, the deputy and 5А's class teacher; not the teacher herself.
    assert answer.status_code == 201, answer.text
    assert answer.json()["delivered"] == 3
    for reader in (school.director, school.deputy, school.class_teacher):
        assert (await inbox(client, reader, q="Педсовет", folder="all"))["total"] >= 1


async def test_contacts_are_whom_one_may_write_to(
    client: httpx.AsyncClient, school: School
) -> None:
    mine = (await client.get(f"{MAIL}/contacts", headers=school.parent.headers)).json()

    by_name = {c["name"]: c for c in mine["people"]}
    assert set(by_name) == {
        "Директорова Анна Петровна",
        "Завучева Анна Петровна",
        "Классова Анна Петровна",
        "Математикова Анна Петровна",
    }
    assert by_name["Классова Анна Петровна"]["leads"] == ["5А"]
    assert by_name["Классова Анна Петровна"]["subjects"] == ["Литература"]
    assert by_name["Математикова Анна Петровна"]["subjects"] == ["Математика"]
    assert mine["groups"] == []

    staff = (await client.get(f"{MAIL}/contacts", headers=school.teacher.headers)).json()
    assert len(staff["people"]) == 6  # every other member of staff
    names = [g["name"] for g in staff["groups"]]
    assert names[0] == "Все сотрудники"
    assert {"Родители 5А", "Ученики 5Б", "Учителя 6А", "Родители 5-х классов"} <= set(names)


async def test_a_send_repeated_with_its_idempotency_key_is_sent_once(
    client: httpx.AsyncClient, school: School, db: Database
) -> None:
    body = {
        "subject": "Родительское собрание",
        "body": "Собрание в пятницу в 18:00.",
        "to": [{"kind": "class", "audience": "parents", "class_id": str(school.classes["5А"])}],
    }
    headers = {**school.class_teacher.headers, "Idempotency-Key": "send-1"}

    first = await client.post(f"{MAIL}/messages", json=body, headers=headers)
    again = await client.post(f"{MAIL}/messages", json=body, headers=headers)

    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert (await inbox(client, school.parent))["total"] == 1
    assert (
        await count(db, "SELECT count(*) FROM mail_messages WHERE subject = :s", s=body["subject"])
        == 1
    )
    # The same key for another message is refused, and sends nothing.
    other = await client.post(
        f"{MAIL}/messages", json={**body, "body": "Собрание переносится."}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["type"] == "urn:school:problem:idempotency-key-reused"
    assert (await inbox(client, school.parent))["total"] == 1
    # Keys are the caller's own: another sender's same key is a new send.
    theirs = await client.post(
        f"{MAIL}/messages",
        json={**body, "to": [person(school.class_teacher)]},
        headers={**school.parent.headers, "Idempotency-Key": "send-1"},
    )
    assert theirs.status_code == 201 and "idempotent-replayed" not in theirs.headers


async def test_a_reply_repeated_with_its_idempotency_key_is_sent_once(
    client: httpx.AsyncClient, school: School
) -> None:
    first = await send(client, school.class_teacher, [person(school.parent)])
    thread = first.json()["message"]["thread_id"]
    headers = {**school.parent.headers, "Idempotency-Key": "reply-1"}

    for _ in range(2):
        answer = await client.post(
            f"{MAIL}/threads/{thread}/messages", json={"body": "Придём."}, headers=headers
        )
        assert answer.status_code == 201, answer.text
    teacher_thread = (
        await client.get(f"{MAIL}/threads/{thread}", headers=school.class_teacher.headers)
    ).json()
    assert [m["body"] for m in teacher_thread["messages"]].count("Придём.") == 1
    too_long = await client.post(
        f"{MAIL}/threads/{thread}/messages",
        json={"body": "Придём."},
        headers={**school.parent.headers, "Idempotency-Key": "k" * 201},
    )
    assert too_long.status_code == 422
