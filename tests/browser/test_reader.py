"""
A reader on the public site, in a real browser: the tests find things the way
a person does (headings, link text, the search box's label) and check what a
person would see (the address, the heading they land on, no sideways scroll).
"""

import os
import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    DESKTOP,
    EXPECTED_STATUS,
    FRANCOPHONIE,
    PHONE,
    PUBLIC_PAGES,
    save_screenshot,
    scrolls_sideways,
)

pytestmark = pytest.mark.browser


def expect_landed_on(page, *, slug, anchor, heading):
    """The address is the passage's, and the passage's heading is on screen."""
    expect(page).to_have_url(re.compile(rf"/articles/{re.escape(slug)}/#{re.escape(anchor)}$"))
    target = page.locator(f"[id='{anchor}']")
    expect(target).to_have_count(1)
    # The id sits on the heading itself or on the section that the heading opens.
    title = page.locator(f"h2[id='{anchor}'], h3[id='{anchor}'], [id='{anchor}'] > :is(h2, h3)")
    expect(title.first).to_have_accessible_name(heading)
    expect(title.first).to_be_in_viewport()
    return title.first


def related_passages(page, heading):
    """
    The links under "Related passages" in the passage that ``heading`` opens,
    once the reader has opened the passage's line of notes (closed at first,
    so that the text runs on from passage to passage).
    """
    passage = page.locator("section").filter(has=heading).last
    related = passage.locator("div, aside, nav, section").filter(has_text="Related passages").last
    expect(related).to_be_hidden()
    passage.get_by_text(re.compile(r"^\d+ related passages?\b")).click()
    expect(related).to_be_visible()
    return related.get_by_role("link")


def test_reader_follows_tag_passage_related_and_search(site, page):
    page.goto("/")
    # A keyboard user's first Tab offers to skip the header.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    latest = page.get_by_role("region", name="Latest articles")
    expect(
        latest.get_by_role("link", name="Exploring Military Diplomacy in Francophonie Relations")
    ).to_be_visible()

    # A topic the home page offers, to the passages about it.
    topics = page.get_by_role("list", name="Most discussed topics")
    topics.get_by_role("link", name=re.compile(r"^Joint exercises\b")).click()
    expect(page).to_have_url(re.compile(r"/tags/joint-exercises/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Joint exercises")
    # Passages are grouped under the article they belong to.
    passages = page.get_by_role("region", name="Passages")
    for title in (
        "Exploring Military Diplomacy in Francophonie Relations",
        "Exploring the Significance of Military Diplomacy in G7 Relations",
    ):
        expect(passages.get_by_role("heading", name=title)).to_be_visible()

    # A passage from the tag page opens its article at that passage.
    passages.get_by_role("link", name="Joint military exercises", exact=True).click()
    heading = expect_landed_on(
        page,
        slug=FRANCOPHONIE,
        anchor="joint-military-exercises",
        heading="Joint military exercises",
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Exploring Military Diplomacy in Francophonie Relations"
    )
    expect(page.get_by_role("navigation", name="Contents")).to_be_visible()

    # A related passage, listed under the one the reader landed on, leads
    # into another article at that passage.
    link = related_passages(page, heading).first
    target_heading = link.inner_text().strip()
    href = link.get_attribute("href")
    found = re.search(r"/articles/([^/]+)/#([^/#]+)$", href)
    assert found, f"the related passage “{target_heading}” links to {href}, not to a passage"
    slug, anchor = found.groups()
    assert slug != FRANCOPHONIE, f"the related passage {href} is in the same article"
    link.click()
    expect_landed_on(page, slug=slug, anchor=anchor, heading=target_heading)

    # A phrase from one passage, typed into the search box, finds that passage.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    search = page.get_by_role("searchbox", name="Search the articles")
    search.fill("stationed at embassies")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=stationed\+at\+embassies$"))
    results = page.get_by_role("region", name=re.compile(r"results? for"))
    expect(results).to_be_visible()
    results.get_by_role(
        "link", name="Utilizing defense attaches for diplomatic outreach", exact=True
    ).click()
    expect_landed_on(
        page,
        slug=FRANCOPHONIE,
        anchor="utilizing-defense-attaches-for-diplomatic-outreach",
        heading="Utilizing defense attaches for diplomatic outreach",
    )


def test_phone_width_has_no_sideways_scrolling(site, new_context):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    too_wide = []
    for name, path in PUBLIC_PAGES.items():
        response = page.goto(path)
        assert response.status == EXPECTED_STATUS.get(name, 200), f"{name} {path}"
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if scrolls_sideways(page):
            width = page.evaluate("() => document.scrollingElement.scrollWidth")
            too_wide.append(f"{name} {path} is {width}px wide")
    assert not too_wide, (
        f"At {PHONE['width']}px the reader must scroll sideways on:\n  " + "\n  ".join(too_wide)
    )


@pytest.mark.skipif(
    os.environ.get("SCREENSHOTS") != "1", reason="set SCREENSHOTS=1 to save screenshots"
)
def test_save_screenshots(site, new_context):
    """Full-page PNGs of the public pages at 1280 and 360 px wide, in tests/browser/screenshots/."""
    pages = {
        "home": "/",
        "article": f"/articles/{FRANCOPHONIE}/",
        "tag": "/tags/joint-exercises/",
        "search": "/search/?q=peacekeeping",
        "topics": "/tags/",
        "not-found": "/articles/no-such-article/",
    }
    for label, viewport in (("1280", DESKTOP), ("360", PHONE)):
        page = new_context(viewport=viewport).new_page()
        for name, path in pages.items():
            page.goto(path)
            save_screenshot(page, f"{name}-{label}")
