"""Who may write to whom, enforced on the server: every sender role against every kind of
recipient, another family's and another school's included (a refusal sends nothing)."""

import uuid

import httpx
import pytest
from mail_testkit import Deliver, School, build_school, count, person, send

from messaging.mail.permissions import Addressee, Sender, may_address_groups, may_write
from shared.db import Database
from shared.testing import TokenFactory

RECIPIENTS = (
    "director",
    "deputy",
    "sysadmin",
    "class_teacher",  # leads 5А and teaches literature there
    "teacher",  # teaches mathematics in 5А
    "teacher_5b",  # teaches in 5Б only
    "teacher_6a",  # teaches in 6А only
    "student",  # 5А, the child of `parent`
    "parent",
    "classmate",  # 5А, another family
    "other_parent",  # the classmate's parent
    "parent_6a",
    "elsewhere_teacher",
    "elsewhere_director",
    "elsewhere_parent",
)
STAFF = ("director", "deputy", "sysadmin", "class_teacher", "teacher")
IN_SCHOOL = {r for r in RECIPIENTS if not r.startswith("elsewhere_")}
# A family of 5А writes to 5А's teachers, its class teacher and the administration.
FAMILY_MAY = {"director", "deputy", "class_teacher", "teacher"}
EXPECTED: dict[str, set[str]] = {
    **{role: IN_SCHOOL for role in STAFF},
    "student": FAMILY_MAY,
    "parent": FAMILY_MAY,
}


@pytest.fixture
async def school(tokens: TokenFactory, deliver: Deliver) -> School:
    here = await build_school(tokens, deliver)
    elsewhere = await build_school(tokens, deliver)
    here.people["elsewhere_teacher"] = elsewhere.teacher
    here.people["elsewhere_director"] = elsewhere.director
    here.people["elsewhere_parent"] = elsewhere.parent
    return here


@pytest.mark.parametrize("sender", list(EXPECTED))
async def test_the_matrix_of_who_may_write_to_whom(
    client: httpx.AsyncClient, school: School, db: Database, sender: str
) -> None:
    writer = school.people[sender]
    outcome: dict[str, int] = {}
    for recipient in RECIPIENTS:
        if recipient == sender:
            continue
        before = await count(db, "SELECT count(*) FROM mail_messages")
        answer = await send(client, writer, [person(school.people[recipient])])
        outcome[recipient] = answer.status_code
        if answer.status_code != 201:
            assert answer.json()["type"] == "urn:school:problem:recipient-not-allowed"
            assert answer.headers["content-type"] == "application/problem+json"
            assert await count(db, "SELECT count(*) FROM mail_messages") == before

    allowed = {r for r, status in outcome.items() if status == 201}
    assert allowed == EXPECTED[sender] - {sender}
    assert set(outcome.values()) <= {201, 422}


@pytest.mark.parametrize("sender", list(EXPECTED))
async def test_groups_are_for_staff_and_help_for_everyone(
    client: httpx.AsyncClient, school: School, sender: str
) -> None:
    writer = school.people[sender]
    for group in (
        {"kind": "class", "audience": "parents", "class_id": str(school.classes["5А"])},
        {"kind": "class", "audience": "teachers", "class_id": str(school.classes["5А"])},
        {"kind": "parallel", "audience": "students", "grade": 5},
        {"kind": "staff"},
    ):
        answer = await send(client, writer, [group])
        if sender in STAFF:
            assert answer.status_code == 201, (group, answer.text)
        else:
            assert answer.status_code == 422, group
            assert answer.json()["type"] == "urn:school:problem:group-not-allowed"

    helped = await send(client, writer, [{"kind": "help"}])
    assert helped.status_code == 201, helped.text
    assert helped.json()["delivered"] == 1


async def test_a_group_of_another_school_is_unknown(
    client: httpx.AsyncClient, school: School, tokens: TokenFactory, deliver: Deliver
) -> None:
    elsewhere = await build_school(tokens, deliver)
    answer = await send(
        client,
        school.director,
        [{"kind": "class", "audience": "parents", "class_id": str(elsewhere.classes["5А"])}],
    )
    assert answer.status_code == 422
    assert answer.json()["type"] == "urn:school:problem:unknown-group"


async def test_a_parent_of_two_children_writes_to_the_teachers_of_both_classes(
    client: httpx.AsyncClient, school: School, tokens: TokenFactory, deliver: Deliver
) -> None:
    from shared.contracts.journal import GuardianLinked

    await deliver(
        GuardianLinked(
            school_id=school.id, guardian_id=school.parent.id, student_id=school.student_6a.id
        )
    )
    answer = await send(client, school.parent, [person(school.teacher_6a)])
    assert answer.status_code == 201, answer.text
    refused = await send(client, school.parent, [person(school.teacher_5b)])
    assert refused.status_code == 422


# --- the rule itself, without a database ---------------------------------------------------

SCHOOL, OTHER = uuid.uuid4(), uuid.uuid4()
CLASS_5A, CLASS_6A = uuid.uuid4(), uuid.uuid4()


def staff(
    *roles: str,
    teaches: frozenset[uuid.UUID] = frozenset(),
    leads: frozenset[uuid.UUID] = frozenset(),
    school: uuid.UUID = SCHOOL,
) -> Addressee:
    return Addressee(uuid.uuid4(), school, "staff", frozenset(roles), teaches, leads)


@pytest.mark.parametrize(
    ("addressee", "family", "staff_member"),
    [
        (staff("director"), True, True),
        (staff("deputy"), True, True),
        (staff("sysadmin"), False, True),
        (staff("teacher", teaches=frozenset({CLASS_5A})), True, True),
        (staff("teacher", "class_teacher", leads=frozenset({CLASS_5A})), True, True),
        (staff("teacher", teaches=frozenset({CLASS_6A})), False, True),
        (Addressee(uuid.uuid4(), SCHOOL, "student"), False, True),
        (Addressee(uuid.uuid4(), SCHOOL, "parent"), False, True),
        (staff("director", school=OTHER), False, False),
        (staff("teacher", teaches=frozenset({CLASS_5A}), school=OTHER), False, False),
        (Addressee(uuid.uuid4(), OTHER, "parent"), False, False),
    ],
)
def test_may_write(addressee: Addressee, family: bool, staff_member: bool) -> None:
    for kind in ("student", "parent"):
        sender = Sender(uuid.uuid4(), SCHOOL, kind, frozenset({CLASS_5A}))
        assert may_write(sender, addressee) is family
        assert not may_address_groups(sender)
    teacher = Sender(uuid.uuid4(), SCHOOL, "staff")
    assert may_write(teacher, addressee) is staff_member
    assert may_address_groups(teacher)
