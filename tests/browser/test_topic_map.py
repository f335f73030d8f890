"""
The topic map in Chromium, on the three source articles (and a draft that must
never show): the graph is drawn from /api/graph, the topic filter narrows map
and list alike, a click on a passage's node opens that passage, the list's
links work by keyboard, and axe finds nothing serious or critical.
"""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import make_article

from .conftest import DESKTOP, SOURCES_DIR
from .test_accessibility import FAILING_IMPACTS, RUN_AXE, describe

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


def open_map(page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/map/")
    expect(page.locator(".topic-map")).to_have_attribute("data-ready", "true")
    return errors


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
    target = page.evaluate(
        """() => {
            const node = window.topicMap.nodes('[kind = "passage"]').not('.faded')[0];
            const graph = document.getElementById('topic-map-graph');
            graph.scrollIntoView({block: 'center'});
            window.topicMap.center(node);
            const box = graph.getBoundingClientRect();
            const at = node.renderedPosition();
            return {url: node.data('url'), x: box.left + at.x, y: box.top + at.y};
        }"""
    )
    page.mouse.click(target["x"], target["y"])
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
