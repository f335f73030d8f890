"""
A feed opened in Chromium reads as a page (issue 13, item 8): the stylesheet
the feed names turns it into the feed's title, how to follow it and its
entries, linked; with no accessibility violation of any level, in light and
dark, at 1280 and 390 px, and valid HTML.

Chromium adds its own banner to any page made by XSLT, saying it means to
remove XSLT: the banner is the browser's, not the site's, so it is left out
of the checks.
"""

import json
import re
import subprocess

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP
from .test_accessibility import describe

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
FEEDS = {"feed": "/feed/", "topic feed": "/tags/peacekeeping/feed/"}
BROWSER_BANNER = "xslt-warning-banner"

RUN_AXE_WITHOUT_BANNER = """
async () => {
    const results = await axe.run({exclude: [["xslt-warning-banner"]]}, {resultTypes: ["violations"]});
    return results.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map(n => n.target.join(" ")),
    }));
}
"""


def test_a_browser_shows_the_feed_as_a_page(site, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto("/feed/")
    expect(page).to_have_title("Milcoop · Atom feed")
    expect(page.get_by_role("heading", level=1)).to_have_text("Milcoop")
    expect(page.get_by_text("This is a feed: to follow it")).to_be_visible()
    expect(page.locator(".feed-note__address")).to_have_text(re.compile(r"^http://.+/feed/$"))
    entries = page.locator(".feed-entry")
    expect(entries).to_have_count(3)
    link = entries.first.get_by_role("link")
    href = link.get_attribute("href")
    link.click()
    expect(page).to_have_url(href)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["1280", "390"])
def test_the_feed_pages_have_no_accessibility_violation(
    axe_script, site, new_context, viewport, scheme
):
    page = new_context(viewport=viewport, color_scheme=scheme, bypass_csp=True).new_page()
    found = []
    for name, path in FEEDS.items():
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.add_script_tag(path=str(axe_script))
        found += [describe(name, path, v) for v in page.evaluate(RUN_AXE_WITHOUT_BANNER)]
    assert not found, f"axe at {viewport['width']}px, {scheme}:\n  " + "\n  ".join(found)


def test_the_feed_pages_are_valid_html(site, new_context, vnu_command, tmp_path):
    page = new_context(viewport=DESKTOP).new_page()
    files = []
    for name, path in FEEDS.items():
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.evaluate(
            f"() => document.querySelectorAll('{BROWSER_BANNER}').forEach(e => e.remove())"
        )
        target = tmp_path / (name.replace(" ", "-") + ".html")
        target.write_text("<!DOCTYPE html>\n" + page.evaluate("document.documentElement.outerHTML"))
        files.append(str(target))
    result = subprocess.run(
        [*vnu_command, "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [
        f"{m.get('url', '?').rsplit('/', 1)[-1]} line {m.get('lastLine')}: {m['message']}"
        for m in json.loads(result.stdout)["messages"]
        if m.get("type") != "info"
    ]
    assert not errors, "The Nu HTML checker found errors:\n  " + "\n  ".join(errors)
