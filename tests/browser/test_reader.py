"""
A reader on the public site, in a real browser: the tests find things the way
a person does (headings, link text, the search box's label) and check what a
person would see (the address, the heading they land on, no sideways scroll).
"""

import os
import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, FRANCOPHONIE, PHONE, save_screenshot, scrolls_sideways

pytestmark = pytest.mark.browser


def expect_landed_on(page, *, slug, anchor, heading):
    """The address is the passage's, and its heading is on screen."""
    expect(page).to_have_url(re.compile(rf"/articles/{re.escape(slug)}/#{re.escape(anchor)}$"))
    target = page.locator(f"[id='{anchor}']")
    expect(target).to_have_count(1)
    # The id sits on the heading itself or on the section that the heading opens.
    title = page.locator(f"h2[id='{anchor}'], h3[id='{anchor}'], [id='{anchor}'] > :is(h2, h3)")
    expect(title.first).to_have_accessible_name(heading)
    expect(title.first).to_be_in_viewport()


def related_passages(page, slug):
    """Links, in the part of the page headed "Related…", to passages in other articles."""
    related = page.locator("aside, section, nav, div").filter(
        has=page.get_by_role("heading", name=re.compile(r"related", re.I))
    )
    expect(related.first).to_be_visible()
    return related.last.locator(
        f"a[href*='/articles/'][href*='#']:not([href*='/articles/{slug}/'])"
    )


def test_reader_follows_tag_passage_related_and_search(site, page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile(r"Francophonie Relations")).first
    ).to_be_visible()

    # A topic the home page shows, to the list of passages about it.
    page.get_by_role("link", name="Joint exercises", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/tags/joint-exercises/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Joint exercises")
    # Passages are grouped under the article they belong to.
    expect(
        page.get_by_role("heading", name="Exploring Military Diplomacy in Francophonie Relations")
    ).to_be_visible()

    # A passage from the tag page opens the article at that passage.
    page.get_by_role("link", name="Joint military exercises", exact=True).first.click()
    expect_landed_on(
        page,
        slug=FRANCOPHONIE,
        anchor="joint-military-exercises",
        heading="Joint military exercises",
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Exploring Military Diplomacy in Francophonie Relations"
    )
    expect(page.get_by_role("navigation", name=re.compile(r"contents", re.I))).to_be_visible()

    # A related passage leads into another article, at that passage.
    link = related_passages(page, FRANCOPHONIE).first
    href = link.get_attribute("href")
    slug, anchor = re.search(r"/articles/([^/]+)/#(.+)$", href).groups()
    heading = link.inner_text().strip()
    link.click()
    expect(page).to_have_url(re.compile(rf"/articles/{re.escape(slug)}/#{re.escape(anchor)}$"))
    landing = page.locator(f"[id='{anchor}']")
    expect(landing).to_be_in_viewport()
    assert slug != FRANCOPHONIE
    assert heading, f"the related passage link {href} has no text"

    # A phrase from one passage, typed into the search box, finds that passage.
    search = page.get_by_role("searchbox", name=re.compile(r"search", re.I))
    search.fill("stationed at embassies")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=stationed\+at\+embassies"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"search", re.I))
    hit = page.get_by_role(
        "link", name=re.compile(r"Utilizing defense attaches for diplomatic outreach", re.I)
    ).first
    expect(hit).to_be_visible()
    hit.click()
    expect_landed_on(
        page,
        slug=FRANCOPHONIE,
        anchor="utilizing-defense-attaches-for-diplomatic-outreach",
        heading="Utilizing defense attaches for diplomatic outreach",
    )


@pytest.mark.parametrize("path", ["/", f"/articles/{FRANCOPHONIE}/"], ids=["home", "article"])
def test_phone_width_has_no_sideways_scrolling(site, new_context, path):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    response = page.goto(path)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert not scrolls_sideways(page), (
        f"{path} at {PHONE['width']}px is {width[0]}px wide: the reader must scroll sideways"
    )


@pytest.mark.skipif(
    os.environ.get("SCREENSHOTS") != "1", reason="set SCREENSHOTS=1 to save screenshots"
)
def test_save_screenshots(site, new_context):
    """PNGs of the main pages at desktop and phone widths, in tests/browser/screenshots/."""
    pages = {
        "home": "/",
        "article": f"/articles/{FRANCOPHONIE}/",
        "tag": "/tags/joint-exercises/",
        "search": "/search/?q=peacekeeping",
    }
    for label, viewport in (("1280", DESKTOP), ("360", PHONE)):
        page = new_context(viewport=viewport).new_page()
        for name, path in pages.items():
            page.goto(path)
            save_screenshot(page, f"{name}-{label}")
