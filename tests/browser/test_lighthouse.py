"""Lighthouse (the npm package, mobile emulation, in the local Chromium) on the sign-in page
and on a parent's diary opened cold: accessibility is held to its bar (at least 95: the
audits are yes/no checks of the page, the same on any machine); performance is printed
beside it and reported in docs/web.md, not asserted (it depends on the machine's load)."""

import json
import subprocess

import pytest

from embedded.webclient import NODE_BIN, WEB_DIR, ensure_installed, exclusive, node_env
from tests.embedded_mode.test_embedded_mode import DEMO_PASSWORD, Embedded

pytestmark = pytest.mark.browser

QUALITY = WEB_DIR / "quality"


def test_the_sign_in_page_and_the_diary_meet_the_accessibility_bar(
    school: Embedded, chromium: str
) -> None:
    with exclusive(QUALITY):
        ensure_installed(QUALITY)
    run = subprocess.run(
        [
            str(NODE_BIN / "node"),
            "lighthouse.mjs",
            f"--base={school.base_url}",
            f"--chromium={chromium}",
            "--login=parent",
            f"--password={DEMO_PASSWORD}",
        ],
        cwd=QUALITY,
        env=node_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(run.stdout)
    for page in ("signin", "diary"):
        print(f"lighthouse {page}: {results[page]['scores']} {results[page]['metrics']}")

    assert set(results) == {"signin", "diary"}
    for page, result in results.items():
        assert result["scores"]["accessibility"] >= 95, (page, result["failing"])
        assert result["failing"] == {}, page
