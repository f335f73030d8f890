"""
axe-core and the W3C Nu checker over the reading pages issue 13 changed, with
content that shows all their parts (a citing article, so the Francophonie
article has backlinks and a passage cited by name; a topic description): no violation of any
level, in light and dark, at 1280 and 390 px, with every passage's notes
closed and then opened; and no HTML error.
"""

import json
import subprocess

import pytest
from taggit.models import Tag

from articles.models import TopicDescription
from tests.factories import make_article

from .conftest import DESKTOP, FRANCOPHONIE
from .test_accessibility import RUN_AXE, describe

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
CITING = "notes-on-francophone-cooperation"
PAGES = {
    "home": "/",
    "article list": "/articles/",
    "search": "/search/?q=peacekeeping",
    "article": f"/articles/{FRANCOPHONIE}/",
    "citing article": f"/articles/{CITING}/",
    "cite page": f"/articles/{FRANCOPHONIE}/cite/peacekeeping-missions/",
    "tag page": "/tags/training-programmes/",
    "passage card": f"/articles/{FRANCOPHONIE}/card/peacekeeping-missions/",
    "article card": f"/articles/{FRANCOPHONIE}/card/",
    "topic card": "/tags/training-programmes/card/",
    "tag index": "/tags/",
}


def add_citing_article():
    """A citing article, and a description of the topic whose page is checked."""
    TopicDescription.objects.create(
        tag=Tag.objects.get(slug="training-programmes"),
        text="Courses one armed force runs **for another's** officers, and what they build.",
    )
    title = "Exploring Military Diplomacy in Francophonie Relations"
    make_article(
        "Notes on Francophone Cooperation",
        tags=["Francophonie"],
        summary=f"A short companion to [[{title}]].",
        sections=[
            {
                "heading": "Training",
                "body": f"Earlier work on [[{title}#Training programs for partner nations]] "
                "shows how training builds trust. Later sections disagree.",
                "tags": ["Training programmes"],
            },
            {"heading": "Further", "body": f"See also: [[{title}]]", "tags": ["Francophonie"]},
        ],
    )


@pytest.fixture
def reading_site(site):
    add_citing_article()
    return site


OPEN_ALL_NOTES = "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["1280", "390"])
def test_reading_pages_have_no_accessibility_violation_of_any_level(
    axe_script, reading_site, new_context, viewport, scheme
):
    page = new_context(viewport=viewport, color_scheme=scheme, bypass_csp=True).new_page()
    found = []
    for name, path in PAGES.items():
        response = page.goto(path)
        assert response.status == 200, f"{name} {path}"
        page.add_script_tag(path=str(axe_script))
        for state in ("closed", "opened"):
            if state == "opened":
                page.evaluate(OPEN_ALL_NOTES)
            for violation in page.evaluate(RUN_AXE):
                found.append(f"[{state}] " + describe(name, path, violation))
    assert not found, f"axe at {viewport['width']}px, {scheme}:\n  " + "\n  ".join(found)


def test_reading_pages_are_valid_html(imported_sources, client, vnu_command, tmp_path):
    add_citing_article()
    files = {}
    for name, path in PAGES.items():
        response = client.get(path)
        assert response.status_code == 200, f"{name} {path}"
        target = tmp_path / (name.replace(" ", "-") + ".html")
        target.write_bytes(response.content)
        files[str(target)] = (name, path)
    result = subprocess.run(
        [*vnu_command, "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stdout)["messages"]
    errors = [
        f"{message.get('url', '?').rsplit('/', 1)[-1]} line {message.get('lastLine')}: "
        f"{message['message']}"
        for message in messages
        if message.get("type") != "info"
    ]
    assert not errors, "The Nu HTML checker found errors:\n  " + "\n  ".join(errors)
