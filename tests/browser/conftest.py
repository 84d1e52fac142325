"""The app served on a real port, driven by Debian's Chromium through Playwright.

Nothing downloads a browser: Playwright launches /usr/bin/chromium (`make test` installs the
`chromium` package). axe-core comes from the npm registry (`make test` installs it under
tests/browser/node_modules). Screenshots of every step are kept in test-artifacts/browser/.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.extensions import db
from app.referrals.models import AgencyService

CHROMIUM = os.environ.get("AWDA_CHROMIUM", "/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = HERE.parent.parent / "test-artifacts" / "browser"
# The flags that keep Chromium from calling home (this machine's network is closed anyway).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs axe-core from the npm registry")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def live_server(app, world) -> Iterator[str]:
    """The test's app on a free port of 127.0.0.1, in a thread; yields its address."""
    db.session.add(
        AgencyService(
            agency=world.focal.agency, service="legal_aid", allowed_groups="identity,documents"
        )
    )
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
