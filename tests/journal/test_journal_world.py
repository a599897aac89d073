"""The test school builds through the real paths (a smoke test of the fixtures)."""

from journal_world import World, count


async def test_the_test_school_builds(world: World, other: World) -> None:
    assert world.school_id != other.school_id
    assert await count(world.db, "students", "school_id = :id", id=world.school_id) == 3
    assert await count(world.db, "lessons", "school_id = :id", id=world.school_id) == 3
