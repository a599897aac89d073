"""A class's credentials: one PDF of printable slips for its students and their parents."""

import io
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from auth_testkit import AccountRef, SchoolRef, Schools, count
from pypdf import PdfReader

from auth.issuance.codes import ALPHABET
from shared.contracts.journal import StudentEnrolled, StudentLeft, StudentTransferred
from shared.db import Database

CODE = re.compile(rf"[{ALPHABET}]{{5}}-[{ALPHABET}]{{5}}")
NEW_PASSWORD = "my own secret phrase"


@dataclass
class Klass:
    school: SchoolRef
    deputy: AccountRef
    class_id: uuid.UUID
    anna: uuid.UUID
    boris: uuid.UUID
    mother: uuid.UUID  # both children's
    father: uuid.UUID  # Boris's

    def people(self) -> list[dict[str, Any]]:
        return [
            {"person_id": str(self.anna), "last_name": "Жукова", "first_name": "Анна"},
            {"person_id": str(self.boris), "last_name": "Жуков", "first_name": "Борис"},
            {
                "person_id": str(self.mother),
                "last_name": "Жукова",
                "first_name": "Елена",
                "middle_name": "Викторовна",
            },
            {
                "person_id": str(self.father),
                "last_name": "Щербаков",
                "first_name": "Юрий",
                "login": "yu.shcherbakov",
            },
        ]


@pytest.fixture
async def klass(schools: Schools) -> Klass:
    school = await schools.school("Гимназия № 5")
    deputy = await schools.staff(school, "deputy")
    class_id = uuid.uuid4()
    anna, boris = await schools.pupil(school, class_id), await schools.pupil(school, class_id)
    await schools.pupil(school, uuid.uuid4())  # another class's
    mother = await schools.guardian(school, anna, boris)
    father = await schools.guardian(school, boris)
    return Klass(school, deputy, class_id, anna, boris, mother, father)


def url(class_id: uuid.UUID) -> str:
    return f"/api/auth/classes/{class_id}/credentials"


async def written(db: Database) -> tuple[int, ...]:
    return tuple(
        [
            await count(db, f"SELECT count(*) FROM {table}")
            for table in ("accounts", "activation_codes", "audit_trail", "outbox")
        ]
    )


def code_for(text: str, login: str) -> str:
    """The code printed on the slip of this login."""
    match = re.search(rf"Логин:\s*{re.escape(login)}\s+Код активации:\s*({CODE.pattern})", text)
    assert match is not None, text
    return match.group(1)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def embedded_fonts(pdf: bytes) -> set[str]:
    """Names of the fonts whose programs are embedded in the document."""
    reader = PdfReader(io.BytesIO(pdf))
    found: set[str] = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    found.add(str(descendant.get_object()["/BaseFont"]))
    return found


async def test_the_deputy_gets_one_pdf_of_slips_for_the_class_and_its_parents(
    db: Database, client: httpx.AsyncClient, schools: Schools, klass: Klass
) -> None:
    response = await client.post(
        url(klass.class_id),
        json={"class_name": "5А", "people": klass.people()},
        headers=await schools.bearer(klass.deputy.login),
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    pdf = response.content
    text = text_of(pdf)
    for name in ("Жукова Анна", "Жуков Борис", "Жукова Елена Викторовна", "Щербаков Юрий"):
        assert text.count(name) >= 1, name
    for login in ("zhukova.a", "zhukov.b", "zhukova.ev", "yu.shcherbakov"):
        assert login in text
    assert "Код активации" in text and "Первый вход" in text and "http://localhost:8000" in text
    assert "ребёнок: " in text
    codes = CODE.findall(text)
    assert len(codes) == len(set(codes)) == 4
    assert any("DejaVuSans" in font for font in embedded_fonts(pdf))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert await count(db, "SELECT count(*) FROM accounts WHERE password_hash IS NULL") == 4
    # The printed codes are the live ones: the slip's holder activates with it.
    activated = await client.post(
        "/api/auth/activate",
        json={
            "login": "zhukova.ev",
            "code": code_for(text, "zhukova.ev"),
            "new_password": NEW_PASSWORD,
        },
    )
    assert activated.status_code == 200


async def test_a_second_run_prints_new_codes_for_those_not_yet_activated_only(
    client: httpx.AsyncClient, schools: Schools, klass: Klass
) -> None:
    headers = await schools.bearer(klass.deputy.login)
    first = await client.post(url(klass.class_id), json={"people": klass.people()}, headers=headers)
    first_text = text_of(first.content)
    activated = await client.post(
        "/api/auth/activate",
        json={
            "login": "zhukova.a",
            "code": code_for(first_text, "zhukova.a"),
            "new_password": NEW_PASSWORD,
        },
    )
    assert activated.status_code == 200

    # Anna is active now: her name is needed no more (only as a parent's child, if given).
    second = await client.post(
        url(klass.class_id), json={"people": klass.people()[1:]}, headers=headers
    )

    assert second.status_code == 200, second.text
    text = text_of(second.content)
    assert "zhukova.a\n" not in text + "\n" and "Логин: zhukova.a " not in text
    assert len(CODE.findall(text)) == 3
    assert not set(CODE.findall(text)) & set(CODE.findall(first_text))
    # The first run's codes are void.
    stale = await client.post(
        "/api/auth/activate",
        json={
            "login": "zhukov.b",
            "code": code_for(first_text, "zhukov.b"),
            "new_password": NEW_PASSWORD,
        },
    )
    assert stale.status_code == 401


async def test_everyone_to_be_issued_needs_a_name(
    db: Database, client: httpx.AsyncClient, schools: Schools, klass: Klass
) -> None:
    headers = await schools.bearer(klass.deputy.login)
    before = await written(db)
    response = await client.post(
        url(klass.class_id), json={"people": klass.people()[:2]}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["type"] == "urn:school:problem:names-missing"
    assert set(response.json()["person_ids"]) == {str(klass.mother), str(klass.father)}
    assert await written(db) == before


async def test_a_person_not_of_the_class_is_404(
    db: Database, client: httpx.AsyncClient, schools: Schools, klass: Klass
) -> None:
    stranger = {"person_id": str(uuid.uuid4()), "last_name": "Чужой", "first_name": "Пётр"}
    headers = await schools.bearer(klass.deputy.login)
    before = await written(db)
    response = await client.post(
        url(klass.class_id), json={"people": [*klass.people(), stranger]}, headers=headers
    )
    assert response.status_code == 404
    assert await written(db) == before


async def test_another_schools_class_and_an_unknown_one_are_404(
    db: Database, client: httpx.AsyncClient, schools: Schools, klass: Klass
) -> None:
    other = await schools.school("Школа № 2")
    other_deputy = await schools.staff(other, "deputy")
    foreign_headers = await schools.bearer(other_deputy.login)
    headers = await schools.bearer(klass.deputy.login)
    before = await written(db)
    foreign = await client.post(
        url(klass.class_id), json={"people": klass.people()}, headers=foreign_headers
    )
    unknown = await client.post(url(uuid.uuid4()), json={"people": klass.people()}, headers=headers)
    assert foreign.status_code == unknown.status_code == 404
    assert await written(db) == before


@pytest.mark.parametrize("role", ["sysadmin", "director", "teacher", "class_teacher"])
async def test_only_the_deputy_issues_a_classs_credentials(
    db: Database, client: httpx.AsyncClient, schools: Schools, klass: Klass, role: str
) -> None:
    someone = await schools.staff(klass.school, role)
    headers = await schools.bearer(someone.login)
    before = await written(db)
    response = await client.post(
        url(klass.class_id), json={"people": klass.people()}, headers=headers
    )
    assert response.status_code == 403
    assert await written(db) == before
    assert (
        await client.post(url(klass.class_id), json={"people": klass.people()})
    ).status_code == 401


async def test_a_class_whose_everyone_is_active_is_409(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    class_id = uuid.uuid4()
    pupil = await schools.pupil(school, class_id)
    await schools.credentials(school, pupil, "student")
    response = await client.post(
        url(class_id),
        json={"people": [{"person_id": str(pupil), "last_name": "А", "first_name": "Б"}]},
        headers=await schools.bearer(deputy.login),
    )
    assert response.status_code == 409
    assert response.json()["type"] == "urn:school:problem:nothing-to-issue"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"people": []},
        {"people": [{"person_id": "x", "last_name": "А", "first_name": "Б"}]},
        {"people": [{"person_id": str(uuid.uuid4()), "last_name": " ", "first_name": "Б"}]},
        {"people": [{"person_id": str(uuid.uuid4()), "last_name": "А"}]},
        {"people": [{"person_id": str(uuid.uuid4()), "last_name": "А", "first_name": "Б", "x": 1}]},
        {"people": [{"person_id": str(uuid.uuid4()), "last_name": "А", "first_name": "Б",
                     "login": "не латиница"}]},
        {"class_name": "x" * 21, "people": [{"person_id": str(uuid.uuid4()), "last_name": "А",
                                              "first_name": "Б"}]},
    ],
    ids=["empty", "no-people", "bad-id", "blank-name", "no-first-name", "extra", "bad-login",
         "long-class-name"],
)  # fmt: skip
async def test_invalid_class_requests_are_422_and_write_nothing(
    db: Database, client: httpx.AsyncClient, schools: Schools, klass: Klass, body: dict[str, Any]
) -> None:
    headers = await schools.bearer(klass.deputy.login)
    before = await written(db)
    response = await client.post(url(klass.class_id), json=body, headers=headers)
    assert response.status_code == 422
    assert await written(db) == before


async def test_a_person_named_twice_is_422(
    client: httpx.AsyncClient, schools: Schools, klass: Klass
) -> None:
    people = klass.people()
    response = await client.post(
        url(klass.class_id),
        json={"people": [*people, people[0]]},
        headers=await schools.bearer(klass.deputy.login),
    )
    assert response.status_code == 422


async def test_slips_of_a_big_class_take_four_to_a_page(
    client: httpx.AsyncClient, schools: Schools
) -> None:
    school = await schools.school()
    deputy = await schools.staff(school, "deputy")
    class_id = uuid.uuid4()
    pupils = [await schools.pupil(school, class_id) for _ in range(9)]
    people = [
        {"person_id": str(p), "last_name": "Кузнецова", "first_name": f"Ученица{n}"}
        for n, p in enumerate(pupils)
    ]
    response = await client.post(
        url(class_id), json={"people": people}, headers=await schools.bearer(deputy.login)
    )
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 3
    logins = re.findall(r"kuznetsova\.u\d*", text_of(response.content))
    assert sorted(set(logins)) == sorted(
        ["kuznetsova.u"] + [f"kuznetsova.u{n}" for n in range(2, 10)]
    )


# --- the class projection ---------------------------------------------------------------


async def test_students_classes_follow_enrolments_transfers_and_leaving_by_version(
    db: Database, deliver: Any
) -> None:
    school, student = uuid.uuid4(), uuid.uuid4()
    first, second = uuid.uuid4(), uuid.uuid4()

    async def class_now() -> str | None:
        async with db.transaction() as session:
            from sqlalchemy import text

            value = await session.scalar(
                text("SELECT class_id::text FROM roster_people WHERE person_id = :p"),
                {"p": student},
            )
        return value

    transfer = StudentTransferred(
        school_id=school,
        version=2,
        student_id=student,
        from_class_id=first,
        to_class_id=second,
        enrollment_id=uuid.uuid4(),
        on="2026-11-02",
    )
    await deliver(transfer)
    await deliver(StudentEnrolled(school_id=school, version=1, student_id=student, class_id=first))
    assert await class_now() == str(second)  # the older enrolment arrived late
    await deliver(
        StudentLeft(
            school_id=school, version=3, student_id=student, class_id=second, last_day="2026-12-01"
        )
    )
    assert await class_now() is None
