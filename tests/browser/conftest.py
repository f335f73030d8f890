"""
Fixtures for the browser suite: one Chromium for the whole session (Debian's
package, never a Playwright download), a live server with the project's own
source articles imported, and the paths of the npm-installed checkers.

Playwright's sync API runs an event loop in the main thread; Django refuses
database access from a thread with a running loop unless told it is safe,
which it is here (the test thread and the live server share nothing async).
"""

import io
import os
import shutil
from pathlib import Path

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.core.management import call_command  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from tests.conftest import SOURCES_DIR  # noqa: E402

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NODE_MODULES = HERE / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS_DIR = HERE / "screenshots"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}

# Generous waits: the suite often shares a small machine with other test runs.
expect.set_options(timeout=10_000)

NO_CHROMIUM = f"Chromium not found at {CHROMIUM}; install it with apt-get install -y chromium"
NO_NODE_MODULES = (
    "{tool} not found at {path}; install the checkers with npm ci --prefix tests/browser"
)

# Content of the imported sources the tests navigate by. The reader tests go
# through the pages as a person would; these are the names they look for.
FRANCOPHONIE = "exploring-military-diplomacy-in-francophonie-relations"
G7 = "exploring-the-significance-of-military-diplomacy-in-g7-relations"
GLOBAL_SECURITY = "enhancing-global-security-through-international-defense-cooperation"


def pytest_collection_modifyitems(items):
    # Everything under tests/browser/ is a browser test, even one that forgets its marker.
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright():
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def site(transactional_db, live_server):
    """The live server, with the three source articles imported and published."""
    call_command("import_sources", str(SOURCES_DIR), verbosity=0, stdout=io.StringIO())
    return live_server


@pytest.fixture
def new_context(browser, live_server):
    """Makes browser contexts on the live server (desktop size unless told); closes them after."""
    contexts = []

    def make(viewport=DESKTOP, **kwargs):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, **kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture(scope="session")
def axe_script():
    if not AXE_JS.exists():
        pytest.skip(NO_NODE_MODULES.format(tool="axe-core", path=AXE_JS))
    return AXE_JS


@pytest.fixture(scope="session")
def vnu_command():
    if not VNU_JAR.exists():
        pytest.skip(NO_NODE_MODULES.format(tool="vnu.jar", path=VNU_JAR))
    java = shutil.which("java")
    if java is None:
        pytest.skip(
            "java not found; the Nu HTML checker needs Java 11 or later "
            "(apt-get install -y default-jre-headless)"
        )
    return [java, "-jar", str(VNU_JAR)]


def scrolls_sideways(page):
    """True when the page is wider than the window (a reader would have to scroll sideways)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth > window.innerWidth")


def save_screenshot(page, name):
    SCREENSHOTS_DIR.mkdir(exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# Every public page kind, by a name for messages. The 404 is a made-up address.
PUBLIC_PAGES = {
    "home": "/",
    "article list": "/articles/",
    "article": f"/articles/{FRANCOPHONIE}/",
    "tag index": "/tags/",
    "tag page": "/tags/joint-exercises/",
    "search with results": "/search/?q=peacekeeping",
    "search without results": "/search/?q=zqxjvw",
    "not found": "/articles/no-such-article/",
}
EXPECTED_STATUS = {"not found": 404}
