"""The S3-compatible archive storage (ARCHIVE_STORAGE=s3) against a real S3 server over
HTTP: moto's server, started as its own process on a free loopback port for the session,
a fresh bucket per test. A year is sealed into the bucket, read back over the API,
checked, tampered with and named; an unreachable endpoint and a missing bucket stop the
seal with a clear error and nothing recorded; the secret never shows in an error."""

import base64
import datetime as dt
import hashlib
import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from archive_samples import rows, sealed_files, tree
from journal_world import World

from archive import seal_command
from archive.integrity import StoredFiles, check_year, check_year_folder
from archive.journal_export import HttpJournalExport
from archive.keys import school_keys
from archive.retention import purge
from archive.sealing import Archive, Retention, seal_year, year_folder
from archive.settings import Settings
from archive.storage import (
    MissingFromStorage,
    S3Location,
    S3Storage,
    StorageError,
    StorageUnavailable,
    storage_of,
)
from shared.db import Database
from shared.testing import TokenFactory

pytestmark = pytest.mark.s3

ACCESS_KEY = "archive-test-key"
SECRET = "archive-test-secret-never-shown"
Closed = tuple[uuid.UUID, dict[str, Any]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server as a process of its own, speaking HTTP on loopback."""
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    server = subprocess.Popen(
        [Path(sys.executable).with_name("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # until it answers (a condition, polled)
            assert server.poll() is None, "moto_server exited"
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "moto_server did not answer in 60 s"
                time.sleep(0.05)
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)
        log.close()


def client_for(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET,
    )


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    name = f"archive-{uuid.uuid4().hex[:12]}"
    client_for(s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def bucket_client(s3_endpoint: str) -> Any:
    return client_for(s3_endpoint)


def location(endpoint: str, bucket: str, **more: Any) -> S3Location:
    return S3Location(
        bucket=bucket,
        endpoint_url=endpoint,
        prefix="school-archive/",
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET,
        **more,
    )


@pytest.fixture
def settings(db: Database, keys_dir: Path, s3_endpoint: str, bucket: str) -> Settings:
    """Archive's settings with the S3 store: the app of these tests reads the bucket."""
    return Settings(
        database_url=db.url,
        keys_dir=keys_dir,
        seal_on_close=False,
        storage="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket=bucket,
        s3_prefix="school-archive",
        s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET,  # type: ignore[arg-type]
    )


@pytest.fixture
def archive(db: Database, keys_dir: Path, settings: Settings) -> Archive:
    return Archive(
        db=db,
        storage=storage_of(settings),
        keys_dir=keys_dir,
        retention=Retention(detailed_years=5, summary_years=25),
    )


def objects(client: Any, bucket: str, school: uuid.UUID, year: uuid.UUID) -> dict[str, bytes]:
    prefix = f"school-archive/{year_folder(school, year)}/"
    listed = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {
        o["Key"][len(prefix) :]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        for o in listed
    }


def bearer(tokens: TokenFactory, school: uuid.UUID, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.token(school_id=school, roles=[role])}"}


# --- the store itself ---------------------------------------------------------------------


def test_objects_are_written_read_listed_and_removed(s3_endpoint: str, bucket: str) -> None:
    storage = S3Storage(location(s3_endpoint, bucket))

    storage.put("s/y/classes/c/journal.pdf", b"%PDF-1.7 one")
    storage.put("s/y/manifest.json", b"{}")
    storage.put("s/other/manifest.json", b"{}")

    assert storage.get("s/y/classes/c/journal.pdf") == b"%PDF-1.7 one"
    assert storage.exists("s/y/manifest.json")
    assert not storage.exists("s/y/nothing.json")
    assert storage.list("s/y") == ["classes/c/journal.pdf", "manifest.json"]
    assert storage.path_of("s/y/manifest.json") is None
    head = client_for(s3_endpoint).head_object(
        Bucket=bucket, Key="school-archive/s/y/classes/c/journal.pdf"
    )
    assert head["Metadata"]["sha256"] == hashlib.sha256(b"%PDF-1.7 one").hexdigest()
    storage.put("s/y/manifest.json", b'{"again": true}')  # overwritten whole
    assert storage.get("s/y/manifest.json") == b'{"again": true}'

    storage.delete("s/y/classes/c/journal.pdf")
    storage.delete("s/y/classes/c/journal.pdf")  # gone already: no error
    with pytest.raises(MissingFromStorage, match="missing"):
        storage.get("s/y/classes/c/journal.pdf")
    assert storage.list("s/y") == ["manifest.json"]
    for bad in ("../escape", "/absolute", "a//b", "a/./b", ""):
        with pytest.raises(ValueError, match="bad storage key"):
            storage.put(bad, b"x")


def test_a_list_of_more_than_a_page_is_whole(s3_endpoint: str, bucket: str) -> None:
    storage = S3Storage(location(s3_endpoint, bucket))
    raw = client_for(s3_endpoint)
    for n in range(1005):  # S3 pages lists by 1,000
        raw.put_object(Bucket=bucket, Key=f"school-archive/s/y/f{n:04}", Body=b"")

    assert storage.list("s/y") == [f"f{n:04}" for n in range(1005)]


def test_each_upload_carries_its_md5_for_the_store_to_check(s3_endpoint: str, bucket: str) -> None:
    """The PUT carries the content's MD5 (Content-MD5), so a store refuses bytes damaged
    on the way (AWS, MinIO and Ceph answer BadDigest; moto does not check it), and the
    SHA-256 as metadata. Seen on the request as it leaves."""
    storage = S3Storage(location(s3_endpoint, bucket))
    sent: list[dict[str, str]] = []

    def capture(request: Any, **_: Any) -> None:
        sent.append(
            {
                k.lower(): v.decode() if isinstance(v, bytes) else v
                for k, v in request.headers.items()
            }
        )

    storage._client.meta.events.register("before-send.s3.PutObject", capture)
    content = b'{"manifest": true}'

    storage.put("s/y/manifest.json", content)

    [headers] = sent
    md5 = base64.b64encode(hashlib.md5(content).digest()).decode()
    assert headers["content-md5"] == md5
    assert headers["x-amz-meta-sha256"] == hashlib.sha256(content).hexdigest()
    assert SECRET not in str(headers)


def test_the_secret_is_never_shown(s3_endpoint: str, bucket: str) -> None:
    settings = Settings(
        storage="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket=bucket,
        s3_secret_access_key=SECRET,  # type: ignore[arg-type]
    )
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.model_dump())
    storage = storage_of(settings)
    assert isinstance(storage, S3Storage)
    assert SECRET not in repr(storage.location.where())
    with pytest.raises(ValueError, match="ARCHIVE_S3_BUCKET"):
        storage_of(Settings(storage="s3"))


# --- a year sealed into the bucket -------------------------------------------------------


async def test_a_year_is_sealed_into_the_bucket_and_read_back_intact(
    world: World,
    sealed: uuid.UUID,
    db: Database,
    bucket: str,
    bucket_client: Any,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    archive: Archive,
    export: HttpJournalExport,
    keys_dir: Path,
) -> None:
    stored = objects(bucket_client, bucket, world.school_id, sealed)
    recorded = {f["path"]: f for f in await sealed_files(db, sealed)}
    assert sorted(stored) == sorted(recorded)
    for path, content in stored.items():
        assert hashlib.sha256(content).hexdigest() == recorded[path]["sha256"], path
    manifest = json.loads(stored["manifest.json"])
    assert {f["path"] for f in manifest["files"]} <= set(stored)

    # The check on the bucket itself, and over the API.
    keys = school_keys(keys_dir, world.school_id)
    report = await check_year(
        StoredFiles(archive.storage, year_folder(world.school_id, sealed)), keys.public_key_pem()
    )
    assert (report.intact, report.files_checked, report.signatures_checked) == (True, 6, 2)
    headers = bearer(tokens, world.school_id, "director")
    answer = await client.get(f"/api/archive/years/{sealed}/integrity", headers=headers)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["intact"], answer.json()["files_checked"]) == (True, 6)

    # Downloads come from the bucket, checked against the recorded SHA-256.
    detail = (await client.get(f"/api/archive/years/{sealed}", headers=headers)).json()
    pdf = next(f for f in detail["files"] if f["kind"] == "pdf")
    download = await client.get(
        f"/api/archive/years/{sealed}/files/{pdf['file_id']}", headers=headers
    )
    assert download.status_code == 200, download.text
    assert download.content == stored[pdf["path"]]
    assert hashlib.sha256(download.content).hexdigest() == pdf["sha256"]

    # Sealing again changes nothing in the bucket.
    before = {o["Key"]: o["ETag"] for o in bucket_client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert await seal_year(archive, export, world.school_id, sealed) == "already-sealed"
    after = {o["Key"]: o["ETag"] for o in bucket_client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert after == before


async def test_a_tampered_object_is_named_and_not_given_out(
    world: World,
    sealed: uuid.UUID,
    bucket: str,
    bucket_client: Any,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
) -> None:
    prefix = f"school-archive/{year_folder(world.school_id, sealed)}"
    pdf_path = f"classes/{world.class_id}/journal.pdf"
    bucket_client.put_object(Bucket=bucket, Key=f"{prefix}/{pdf_path}", Body=b"%PDF-1.7 forged")
    bucket_client.delete_object(Bucket=bucket, Key=f"{prefix}/summary.jsonl.zip")
    bucket_client.put_object(Bucket=bucket, Key=f"{prefix}/extra.txt", Body=b"slipped in")
    headers = bearer(tokens, world.school_id, "deputy")

    answer = await client.get(f"/api/archive/years/{sealed}/integrity", headers=headers)

    assert answer.status_code == 200, answer.text
    assert answer.json()["intact"] is False
    assert answer.json()["findings"] == [
        {"path": pdf_path, "problem": "SHA-256 differs from the manifest: the file was changed"},
        {"path": "summary.jsonl.zip", "problem": "missing"},
        {"path": "extra.txt", "problem": "not in the manifest"},
    ]
    detail = (await client.get(f"/api/archive/years/{sealed}", headers=headers)).json()
    by_path = {f["path"]: f["file_id"] for f in detail["files"]}
    for path in (pdf_path, "summary.jsonl.zip"):
        refused = await client.get(
            f"/api/archive/years/{sealed}/files/{by_path[path]}", headers=headers
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith("archive-file-damaged")
        assert refused.json()["path"] == path


async def test_a_year_fetched_from_the_bucket_is_checked_offline(
    world: World,
    sealed: uuid.UUID,
    settings: Settings,
    keys_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bucket: str,
    bucket_client: Any,
) -> None:
    for name, value in settings.model_dump(mode="json").items():
        if value is not None and not isinstance(value, dict | list):
            monkeypatch.setenv(f"ARCHIVE_{name.upper()}", str(value))
    monkeypatch.setenv("ARCHIVE_S3_SECRET_ACCESS_KEY", SECRET)
    copy = tmp_path / "copy"
    argv = ["fetch", "--school", str(world.school_id), "--year", str(sealed), str(copy)]

    assert seal_command.main(argv) == 0

    assert tree(copy) == objects(bucket_client, bucket, world.school_id, sealed)
    public_key = school_keys(keys_dir, world.school_id).public_key_pem()
    assert (await check_year_folder(copy, public_key)).intact
    assert seal_command.main(argv) == 2  # the folder is not empty: nothing overwritten
    other = tmp_path / "other"
    missing = ["fetch", "--school", str(world.school_id), "--year", str(uuid.uuid4()), str(other)]
    assert seal_command.main(missing) == 2


async def test_the_purge_removes_objects_and_the_check_accepts_them_gone(
    world: World,
    sealed: uuid.UUID,
    archive: Archive,
    keys_dir: Path,
    bucket_client: Any,
    bucket: str,
) -> None:
    removed = await purge(archive, dt.date(2032, 6, 1))

    assert [r.kind for r in removed] == ["detailed"]
    left = objects(bucket_client, bucket, world.school_id, sealed)
    assert not any(path.startswith("classes/") for path in left)
    assert "retention.json" in left
    report = await check_year(
        StoredFiles(archive.storage, year_folder(world.school_id, sealed)),
        school_keys(keys_dir, world.school_id).public_key_pem(),
    )
    assert report.intact, report.findings
    assert len(report.purged) == 4


# --- faults: nothing half-recorded, a clear error ------------------------------------------


async def _nothing_recorded(db: Database, year_id: uuid.UUID, error: str) -> None:
    assert await sealed_files(db, year_id) == []
    [year] = await rows(
        db, "SELECT status, last_error FROM sealed_years WHERE year_id = :y", y=year_id
    )
    assert year["status"] == "pending"
    assert error in year["last_error"]
    assert SECRET not in year["last_error"] and ACCESS_KEY not in year["last_error"]


async def test_an_unreachable_endpoint_stops_the_seal_with_nothing_recorded(
    world: World, closed: Closed, archive: Archive, export: HttpJournalExport, db: Database
) -> None:
    year_id, _ = closed
    away = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    unreachable = Archive(
        db=db,
        storage=S3Storage(location(away, "archive", attempts=1, connect_timeout=1)),
        keys_dir=archive.keys_dir,
        retention=archive.retention,
    )

    with pytest.raises(StorageUnavailable, match="unreachable") as raised:
        await seal_year(unreachable, export, world.school_id, year_id)

    assert away in str(raised.value) and SECRET not in str(raised.value)
    await _nothing_recorded(db, year_id, "unreachable")
    assert await seal_year(archive, export, world.school_id, year_id) == "sealed"


async def test_a_missing_bucket_stops_the_seal_with_nothing_recorded(
    world: World,
    closed: Closed,
    archive: Archive,
    export: HttpJournalExport,
    db: Database,
    s3_endpoint: str,
) -> None:
    year_id, _ = closed
    nowhere = Archive(
        db=db,
        storage=S3Storage(location(s3_endpoint, "no-such-bucket-here")),
        keys_dir=archive.keys_dir,
        retention=archive.retention,
    )

    with pytest.raises(StorageError, match="the bucket does not exist"):
        await seal_year(nowhere, export, world.school_id, year_id)

    await _nothing_recorded(db, year_id, "the bucket does not exist")


async def test_wrong_credentials_are_reported_as_refused_access(
    world: World,
    closed: Closed,
    archive: Archive,
    export: HttpJournalExport,
    db: Database,
    s3_endpoint: str,
    bucket: str,
) -> None:
    """A store that refuses the access key (a stand-in client answering as S3 does:
    moto's server accepts any key) is named as refusing, with no secret in the text."""
    year_id, _ = closed

    class Refusing:
        def put_object(self, **arguments: Any) -> Any:
            from botocore.exceptions import ClientError

            raise ClientError(
                {
                    "Error": {"Code": "AccessDenied", "Message": "Access Denied"},
                    "ResponseMetadata": {"HTTPStatusCode": 403},
                },
                "PutObject",
            )

    refused = Archive(
        db=db,
        storage=S3Storage(location(s3_endpoint, bucket), client=Refusing()),
        keys_dir=archive.keys_dir,
        retention=archive.retention,
    )

    with pytest.raises(StorageError, match="refuses access"):
        await seal_year(refused, export, world.school_id, year_id)

    await _nothing_recorded(db, year_id, "refuses access")


async def test_an_unreachable_store_answers_503_not_damaged(
    world: World,
    sealed: uuid.UUID,
    app: Any,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
) -> None:
    headers = bearer(tokens, world.school_id, "director")
    detail = (await client.get(f"/api/archive/years/{sealed}", headers=headers)).json()
    pdf = next(f for f in detail["files"] if f["kind"] == "pdf")
    away = f"http://127.0.0.1:{free_port()}"
    app.state.archive_files = type(app.state.archive_files)(
        S3Storage(location(away, "archive", attempts=1, connect_timeout=1)),
        app.state.archive_files.keys_dir,
    )

    for url in (
        f"/api/archive/years/{sealed}/files/{pdf['file_id']}",
        f"/api/archive/years/{sealed}/integrity",
    ):
        answer = await client.get(url, headers=headers)
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"].endswith("archive-storage-unavailable")
        assert answer.headers["retry-after"] == "5"
        assert away not in answer.text and SECRET not in answer.text
