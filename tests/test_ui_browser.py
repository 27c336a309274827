"""The web UI in a real browser: Debian's Chromium, driven by Playwright, checked by axe-core.

A real server (``fairfile serve``, gunicorn) runs on a fresh sandbox instance with a few
synthetic people, a scoring model and a lender. The walk: sign in as a demo person, enrol,
grant scoring, see the score and its explanation, withdraw, export, erase; and a second
person who uploads a sandbox persona's OFX file on the connect page, sees the minimisation
report and confirms. axe-core checks every page and the test fails on any serious or
critical violation.

Outside CI the test is skipped when ``/usr/bin/chromium`` is missing; with ``CI=true`` it
fails instead (``.ci/run`` installs Chromium). ``FAIRFILE_SCREENSHOTS=1`` writes the
screenshots of docs/ui.md to ``docs/img/ui-*.png``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scoring.contract.models import put_facts
from service import create_app
from service.web.keys import vault
from service.web.sessions import session_factory
from store import make_engine, upgrade
from tests.consent_fixtures import add_lender, add_person
from tests.decision_fixtures import add_model
from tests.lender_fixtures import FACTS

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
SHOTS = os.environ.get("FAIRFILE_SCREENSHOTS") == "1"
IMAGES = Path(__file__).resolve().parent.parent / "docs" / "img"
FAIRFILE = str(Path(sys.executable).with_name("fairfile"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 20_000
#: The pages docs/ui.md shows.
SHOWN = {"sign-in", "enrol", "consents", "score", "my-data", "erased"}
pytestmark = pytest.mark.slow

if not CHROMIUM.exists():
    if IN_CI:
        raise RuntimeError(f"CI=true but {CHROMIUM} is missing: .ci/run installs it")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(instance: Path) -> None:
    app = create_app({"env": "development", "instance_path": instance})
    engine = make_engine(f"sqlite:///{instance / 'fairfile.sqlite3'}")
    upgrade(engine)
    engine.dispose()
    with session_factory(app)() as s, s.begin():
        add_model(s)
        add_lender(s, "demo-bank", "Demo Bank")
        for _ in range(3):
            person = add_person(s, enrol=False)
            put_facts(s, vault=vault(app), subject_id=person, facts=FACTS)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("ui")
    instance = folder / "instance"
    _seed(instance)
    env = {**os.environ, "FAIRFILE_ENV": "development", "FAIRFILE_INSTANCE_PATH": str(instance)}
    env.pop("FAIRFILE_DATABASE_URL", None)
    port = _free_port()
    with (folder / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [FAIRFILE, "serve", "--port", str(port), "--workers", "1", "--threads", "4"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 (loopback)
                break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                process.wait()
                pytest.fail("server did not start: " + (folder / "serve.log").read_text())
            time.sleep(0.2)
    yield base
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)


def check(page: Page, name: str) -> None:
    """Fail on serious or critical axe-core violations; take the docs' screenshot if asked."""
    expect(page.locator("h1")).to_be_visible()
    result = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not bad, f"accessibility violations on the {name} page:\n" + "\n".join(bad)
    if SHOTS and name in SHOWN:
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / f"ui-{name}.png"), full_page=True)


def narrow(page: Page, name: str) -> None:
    """On a phone-sized screen the page still fits its width and still passes axe."""
    page.set_viewport_size({"width": 360, "height": 780})
    check(page, f"{name}-narrow")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the {name} page is {overflow}px wider than a 360px screen"
    page.set_viewport_size({"width": 1000, "height": 800})


def test_a_person_walks_from_sign_in_to_erasure(served: str, tmp_path: Path) -> None:
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(
                base_url=served, viewport={"width": 1000, "height": 800}, accept_downloads=True
            )
            context.set_default_timeout(WAIT_MS)
            _walk(context.new_page(), tmp_path)
        finally:
            browser.close()


def _walk(page: Page, tmp_path: Path) -> None:
    page.goto("/sign-in")
    check(page, "sign-in")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.get_by_role("button", name="Try as a demo person").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Enrol in Fairfile")
    check(page, "enrol")
    expect(page.get_by_label("I have read this and want to enrol")).not_to_be_checked()
    page.get_by_label("I have read this and want to enrol").check()
    page.get_by_role("button", name="Enrol").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your consents")
    scoring = page.locator("section.purpose", has=page.locator("#p-scoring"))
    for label in ["Rent payments", "Utility bills", "Bank account cash flow", "Income"]:
        scoring.get_by_label(label).check()
    scoring.get_by_role("button", name="Grant scoring for a year").click()
    expect(page.get_by_text("Granted: scoring.")).to_be_visible()
    expect(page.locator("td.sig-verified").first).to_have_text("verified")
    check(page, "consents")
    narrow(page, "consents")

    page.get_by_role("link", name="My score").click()
    page.get_by_role("button", name="Score me now").click()
    expect(page.get_by_text("Your score:")).to_be_visible()
    expect(page.get_by_role("table", name="Every point, as a table")).to_be_visible()
    expect(page.get_by_role("heading", name="What would change the result")).to_be_visible()
    check(page, "score")
    narrow(page, "score")

    page.get_by_role("link", name="Consents").click()
    page.get_by_role("button", name="Withdraw scoring").click()
    expect(page.get_by_text("Withdrawn. Nothing more is read for this purpose.")).to_be_visible()
    check(page, "consents-withdrawn")

    page.get_by_role("link", name="My data").click()
    check(page, "my-data")
    narrow(page, "my-data")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download it as JSON").click()
    assert download.value.suggested_filename.startswith("fairfile-export-")
    download.value.save_as(tmp_path / "export.json")
    assert '"format": "fairfile-export/v1"' in (tmp_path / "export.json").read_text()
    page.get_by_role("link", name="Read it as a page").click()
    check(page, "export")

    page.go_back()
    page.get_by_role("link", name="Delete my account…").click()
    check(page, "erase")
    page.get_by_label("I understand: this cannot be undone").check()
    page.get_by_role("button", name="Delete my account now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is deleted")
    check(page, "erased")
    page.goto("/consents")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_a_person_uploads_a_persona_ofx_file_sees_the_report_and_confirms(served: str) -> None:
    # The sandbox persona's OFX file, as a person would pick it from their disk.
    ofx = Path(__file__).resolve().parent.parent / "synthetic/persona_feeds/often_overdrawn.ofx"
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(base_url=served, viewport={"width": 1000, "height": 800})
            context.set_default_timeout(WAIT_MS)
            _upload(context.new_page(), ofx)
        finally:
            browser.close()


def _upload(page: Page, ofx: Path) -> None:
    page.goto("/sign-in")
    page.get_by_role("button", name="Try as a demo person").click()
    page.get_by_label("I have read this and want to enrol").check()
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your consents")

    page.get_by_role("link", name="Connect data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connect data")
    check(page, "connect")
    for box in ("bank_cashflow", "income", "rent", "utilities"):
        page.locator(f"#connect-{box}").check()
    page.get_by_label("A file from your bank").set_input_files(str(ofx))
    page.get_by_label("Its format").select_option(label="Work it out from the file")
    page.get_by_role("button", name="Show the facts").click()

    expect(page.get_by_role("heading", name="What was kept from your OFX file")).to_be_visible()
    kept = page.get_by_role("table", name="Payments kept, by kind")
    expect(kept.get_by_role("row", name="Rent 24")).to_be_visible()
    expect(kept.get_by_role("row", name="Pay 24")).to_be_visible()
    dropped = page.get_by_role("table", name="Thrown away", exact=False)
    expect(dropped.get_by_role("row", name="NAME 391", exact=True)).to_be_visible()
    counted = page.get_by_role("table", name="Payments that count towards your facts")
    expect(counted.get_by_role("row").filter(has_text="Utility bill").first).to_be_visible()
    expect(page.get_by_text("Corner Grocery")).to_have_count(0)  # a merchant: dropped
    check(page, "connect-preview")
    narrow(page, "connect-preview")

    page.get_by_role("button", name="Use these facts").click()
    expect(page.get_by_text("Your facts are stored")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connect data")
