"""The Dockerfile builds: its install step, run on exactly the files its COPY lines bring
into the image, installs what docker-compose.yml's commands run (no Docker engine here, so
the step runs with the project's uv, offline, from this machine's uv cache)."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from embedded.services import SERVICE_NAMES as SERVICES

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(instruction, arguments) of each line, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def copied_files(dockerfile: Path) -> dict[Path, Path]:
    """Each file the COPY lines put into the image (relative to WORKDIR), from the files of
    a fresh clone (tracked by git): the build context the Dockerfile is built from."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    files = [Path(name) for name in tracked.split("\0") if name]
    copied: dict[Path, Path] = {}
    for instruction, args in instructions(dockerfile):
        if instruction != "COPY":
            continue
        *sources, destination = shlex.split(args)
        assert not any(s.startswith("--") for s in sources), f"COPY options unsupported: {args}"
        for source in sources:
            matched = [f for f in files if f == Path(source) or Path(source) in f.parents]
            assert matched, f"COPY {source}: no such file in the repository"
            for file in matched:
                if file != Path(source):  # a folder: its contents go into the destination
                    relative = Path(destination) / file.relative_to(source)
                elif destination.endswith("/"):  # a file into a folder
                    relative = Path(destination) / file.name
                else:  # a file under a new name
                    relative = Path(destination)
                copied[Path(os.path.normpath(relative))] = ROOT / file
    return copied


def install_steps(dockerfile: Path) -> list[list[str]]:
    return [
        shlex.split(args)
        for instruction, args in instructions(dockerfile)
        if instruction == "RUN" and args.startswith("uv ")
    ]


def uv_executable() -> str:
    project_uv = ROOT / ".tools" / "bin" / "uv"  # the version ./school pins, as the image does
    if project_uv.exists():
        return str(project_uv)
    found = shutil.which("uv")
    if found is None:
        pytest.fail("no uv: run ./school once (it installs the project's uv into .tools/)")
    return found


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/app of the image as the Dockerfile builds it, up to its install step."""
    app = tmp_path_factory.mktemp("app")
    for relative, source in copied_files(DOCKERFILE).items():
        (app / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, app / relative)
    steps = install_steps(DOCKERFILE)
    assert steps, "the Dockerfile has no `RUN uv ...` install step"
    # The machine's uv cache, nothing from this checkout's environment (UV_PROJECT_ENVIRONMENT
    # or VIRTUAL_ENV would make uv install into the project's own .venv).
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_") or k == "UV_CACHE_DIR"}
    env.pop("VIRTUAL_ENV", None)
    env.update(UV_PYTHON=f"{sys.version_info.major}.{sys.version_info.minor}")
    env.update(UV_PYTHON_DOWNLOADS="never", UV_OFFLINE="1")
    for step in steps:
        run = subprocess.run(
            [uv_executable(), *step[1:]],
            cwd=app,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, f"`{shlex.join(step)}` failed:\n{run.stderr[-3000:]}"
    return app


def test_the_image_holds_only_the_services_packages(image: Path) -> None:
    assert (image / "uv.lock").exists() and (image / "pyproject.toml").exists()
    assert not (image / "deploy").exists() and not (image / "bench").exists()
    assert not (image / "tests").exists()


def test_the_install_step_installs_what_every_compose_command_runs(image: Path) -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    built = [entry for entry in compose["services"].values() if "build" in entry]
    modules = {m for entry in built for m in re.findall(r"python -m ([\w.]+)", entry["command"])}
    assert {"shared.migrate", *SERVICES} <= modules
    python = image / ".venv" / "bin" / "python"
    for module in sorted(modules):
        # `python -m <service>` runs the package's __main__: import it as a module, which
        # loads the command line and the app factory's module without starting anything.
        probe = f"import importlib; importlib.import_module({module!r})"
        if module in SERVICES:
            probe += f"; importlib.import_module({module + '.__main__'!r})"
            probe += f"; importlib.import_module({module + '.main'!r})"
        run = subprocess.run(
            [str(python), "-c", probe], cwd=image, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, f"python -m {module}: {run.stderr[-3000:]}"


def test_the_image_leaves_out_the_launcher_and_the_benchmarks(image: Path) -> None:
    python = image / ".venv" / "bin" / "python"
    left_out = ["embedded", "cluster", "bench", "datagen", "pgserver", "pytest"]
    probe = f"import importlib.util as u; print([m for m in {left_out!r} if u.find_spec(m)])"
    run = subprocess.run(
        [str(python), "-c", probe], cwd=image, capture_output=True, text=True, timeout=60
    )
    assert run.stdout.strip() == "[]", run.stdout + run.stderr
