"""journal marks a closed year archived when archive announces its seal
(`archive.year.sealed.v1`): once, only the school's own year, and `GET /years/{id}`
shows it."""

import datetime as dt
import uuid

from journal_world import World, deliver
from yearend_samples import closed_year

from journal.consumers import BINDINGS
from shared.contracts.archive import YearSealed

SEALED_AT = dt.datetime(2027, 6, 5, 10, 0, tzinfo=dt.UTC)


def sealed(school_id: uuid.UUID, year_id: str, sha: str = "a" * 64) -> YearSealed:
    return YearSealed(
        school_id=school_id,
        version=1,
        year_id=uuid.UUID(year_id),
        name="2026/27",
        ends_on=dt.date(2027, 5, 31),
        sealed_at=SEALED_AT,
        class_journals=2,
        files=6,
        manifest_sha256=sha,
        public_key_sha256="b" * 64,
    )


async def shown(world: World, year_id: str) -> tuple[str | None, str | None]:
    body = (await world.client.get(f"/years/{year_id}", headers=world.auth("deputy"))).json()
    return body["archived_at"], body["archive_manifest_sha256"]


def test_journal_subscribes_to_the_archives_seal() -> None:
    assert "archive.year.sealed.v1" in BINDINGS["journal"]


async def test_a_sealed_year_is_marked_archived_once(world: World) -> None:
    year_id, _ = await closed_year(world)
    assert await shown(world, year_id) == (None, None)

    await deliver(world.db, sealed(world.school_id, year_id))
    await deliver(world.db, sealed(world.school_id, year_id, sha="c" * 64))  # a later seal

    assert await shown(world, year_id) == ("2027-06-05T10:00:00Z", "a" * 64)


async def test_another_schools_seal_leaves_the_year_alone(world: World) -> None:
    year_id, _ = await closed_year(world)

    await deliver(world.db, sealed(uuid.uuid4(), year_id))

    assert await shown(world, year_id) == (None, None)
