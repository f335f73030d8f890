"""
The topic map in Chromium, on the three source articles (and a draft that must
never show): the graph is drawn from /api/graph, the topic filter narrows map
and list alike, a click on a passage's node opens that passage, the list's
links work by keyboard, and axe finds nothing serious or critical. The same
for an article's local map, reached from the article page.
"""

import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import make_article

from .conftest import DESKTOP, FRANCOPHONIE, SOURCES_DIR
from .test_accessibility import FAILING_IMPACTS, RUN_AXE, describe
from .test_html_validity import describe as describe_html

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def site_with_draft(transactional_db, live_server):
    call_command("import_sources", str(SOURCES_DIR), verbosity=0, stdout=io.StringIO())
    make_article(
        "Secret draft on liaison",
        status=Article.Status.DRAFT,
        tags=["Draft-only subject"],
        sections=[{"heading": "Unseen passage", "body": "Never shown.", "tags": ["NATO"]}],
    )
    return live_server


def open_map(page, path="/map/"):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path)
    expect(page.locator(".topic-map")).to_have_attribute("data-ready", "true")
    return errors


# A tap on a passage's node, as Cytoscape delivers it to the map's handler. A
# mouse click at the node's drawn position on the canvas was missed now and
# then in headless Chromium (no navigation at all); which node a point hits is
# Cytoscape's own business, what the map does with the tap is ours.
TAP_A_PASSAGE_NODE = """(selector) => {
    const node = window.topicMap.nodes(selector).not('.faded')[0];
    document.getElementById('topic-map-graph').scrollIntoView({block: 'center', behavior: 'instant'});
    setTimeout(() => node.emit('tap'), 0);
    return {url: node.data('url')};
}"""


def test_filter_by_topic_then_click_through_to_a_passage(site_with_draft, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    errors = open_map(page)
    assert page.evaluate("() => window.topicMap.nodes('[kind = \"article\"]').length") == 3
    assert "Secret draft" not in page.content() and "Unseen passage" not in page.content()

    option = page.locator("#topic-map-topic option", has_text=re.compile(r"^Peacekeeping \("))
    page.get_by_label("Topic", exact=True).select_option(value=option.get_attribute("value"))
    status = page.get_by_role("status")
    expect(status).to_contain_text("on Peacekeeping")
    listed = page.locator(".map-article:not([hidden])")
    # Only what discusses peacekeeping stays in the list; every passage left carries it.
    for passage in page.locator(".map-passage:not([hidden])").all():
        assert "Peacekeeping" in passage.inner_text()
    assert listed.count() >= 1
    faded = page.evaluate("() => window.topicMap.nodes('.faded').length")
    assert faded > 0, "the map fades what is not on the topic"

    # Click a passage node still shown on the map: it opens that passage.
    target = page.evaluate(TAP_A_PASSAGE_NODE, '[kind = "passage"]')
    page.wait_for_url(f"**{target['url']}")
    anchor = target["url"].split("#", 1)[1]
    expect(page.locator(f"[id='{anchor}']")).to_be_visible()
    assert not errors, errors


def test_search_by_title_and_open_a_passage_from_the_list_by_keyboard(site_with_draft, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    open_map(page)
    page.get_by_label("Find an article by its title").fill("francophonie")
    expect(page.get_by_role("status")).to_contain_text("Showing 1 article")
    article = page.locator(".map-article:not([hidden])")
    expect(article).to_have_count(1)
    link = article.locator(".map-passage a").first
    href = link.get_attribute("href")
    link.focus()
    # Focus in the list marks the same passage on the map.
    assert page.evaluate("() => window.topicMap.nodes('.marked').length") == 1
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["1280", "390"])
def test_map_has_no_serious_accessibility_violations(
    axe_script, site_with_draft, new_context, viewport
):
    page = new_context(viewport=viewport, bypass_csp=True).new_page()
    open_map(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"topic-map-{viewport['width']}.png"), full_page=False)
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(RUN_AXE)
    failures = [
        describe("topic map", "/map/", v) for v in violations if v["impact"] in FAILING_IMPACTS
    ]
    assert not failures, "\n".join(failures)
    assert not page.evaluate("() => document.scrollingElement.scrollWidth > window.innerWidth"), (
        "the map page scrolls sideways"
    )


def test_map_runs_under_the_sites_content_security_policy(site_with_draft, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    open_map(page)
    assert not violations, violations


# --- One article's local map ------------------------------------------------------


@pytest.fixture
def site_with_neighbours(site_with_draft):
    """The sources do not cite each other: a published article and a draft cite one of them."""
    title = Article.objects.get(slug=FRANCOPHONIE).title
    make_article(
        "Liaison officers in West Africa",
        tags=["NATO"],
        sections=[{"heading": "Training missions", "body": f"As [[{title}]] shows."}],
    )
    make_article(
        "Secret draft citing it",
        status=Article.Status.DRAFT,
        sections=[{"heading": "Unseen citation", "body": f"See [[{title}]]."}],
    )
    return site_with_draft


def test_from_an_article_to_its_local_map_and_on_to_a_passage(site_with_neighbours, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(f"/articles/{FRANCOPHONIE}/")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.get_by_role("link", name="Map of this article's connections").click()
    page.wait_for_url(f"**/articles/{FRANCOPHONIE}/map/")
    root = page.locator(".topic-map")
    expect(root).to_have_attribute("data-ready", "true")
    title = Article.objects.get(slug=FRANCOPHONIE).title
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Map of “{title}”")

    # Only the neighbourhood is drawn: this article (highlighted) and the
    # articles the list names as citing or cited, never the draft.
    listed = {
        href.strip("/").split("/")[1]
        for href in page.locator(
            "[aria-labelledby='local-map-cites'] .map-article__title,"
            " [aria-labelledby='local-map-cited-by'] .map-article__title"
        ).evaluate_all("links => links.map(link => link.getAttribute('href'))")
    }
    drawn = page.evaluate(
        "() => window.topicMap.nodes('[kind = \"article\"]').map(node => node.data('slug'))"
    )
    assert listed == {"liaison-officers-in-west-africa"}
    assert set(drawn) == listed | {FRANCOPHONIE}, drawn
    assert page.evaluate("() => window.topicMap.nodes('.focus').data('slug')") == FRANCOPHONIE
    assert "Secret draft" not in page.content() and "Unseen citation" not in page.content()

    # Focusing a link in the list marks the same node on the map.
    page.locator("[aria-labelledby='local-map-cited-by'] .map-article__title").focus()
    assert page.evaluate("() => window.topicMap.nodes('.marked').map(n => n.id())") == [
        "article:liaison-officers-in-west-africa"
    ]

    # A click on one of the article's passages opens it.
    target = page.evaluate(TAP_A_PASSAGE_NODE, f'[kind = "passage"][slug = "{FRANCOPHONIE}"]')
    page.wait_for_url(f"**{target['url']}")
    anchor = target["url"].split("#", 1)[1]
    expect(page.locator(f"[id='{anchor}']")).to_be_visible()
    assert not errors, errors


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["1280", "390"])
def test_local_map_has_no_serious_accessibility_violations(
    axe_script, site_with_neighbours, new_context, viewport
):
    page = new_context(viewport=viewport, bypass_csp=True).new_page()
    path = f"/articles/{FRANCOPHONIE}/map/"
    open_map(page, path)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"local-map-{viewport['width']}.png"), full_page=False)
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate(RUN_AXE)
    failures = [
        describe("local map", path, v) for v in violations if v["impact"] in FAILING_IMPACTS
    ]
    assert not failures, "\n".join(failures)
    assert not page.evaluate("() => document.scrollingElement.scrollWidth > window.innerWidth"), (
        "the local map page scrolls sideways"
    )


def test_local_map_is_valid_html(imported_sources, client, vnu_command, tmp_path):
    path = f"/articles/{FRANCOPHONIE}/map/"
    response = client.get(path)
    assert response.status_code == 200
    (tmp_path / "local-map.html").write_bytes(response.content)
    result = subprocess.run(
        [*vnu_command, "--format", "json", "--stdout", str(tmp_path / "local-map.html")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stdout)["messages"]
    errors = describe_html(
        {"local-map.html": ("local map", path)}, [m for m in messages if m.get("type") != "info"]
    )
    assert not errors, "The Nu HTML checker found errors:\n  " + "\n  ".join(errors)
