"""
The contents follow the reader (issue 13, item 5) and every heading has a
visible permalink (item 3): closed behind one line on a phone; beside the text
on a wide screen, marking the passage being read and staying in view without
ever scrolling inside themselves; shown there even without JavaScript.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, FRANCOPHONIE

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
URL = f"/articles/{FRANCOPHONIE}/"
DEEP = "engaging-in-multilateral-forums-for-security-dialogue"
DEEP_TITLE = "Engaging in multilateral forums for security dialogue"

# Whether any part of the contents scrolls inside itself (content taller than its box).
SCROLLS_INSIDE = """
() => [...document.querySelectorAll('.toc, .toc *')].some((el) => {
    const overflow = getComputedStyle(el).overflowY;
    return (overflow === 'auto' || overflow === 'scroll') && el.scrollHeight > el.clientHeight + 1;
})
"""


def contents(page):
    return page.get_by_role("navigation", name="Contents")


def test_on_a_phone_the_contents_wait_closed_behind_one_line(site, new_context):
    page = new_context(viewport=PHONE_390, is_mobile=True, has_touch=True).new_page()
    page.goto(URL)
    toc = contents(page)
    first = toc.get_by_role(
        "link", name="Importance of Military Diplomacy in Francophonie Relations"
    )
    expect(first).to_be_hidden()
    summary = toc.locator("summary")
    expect(summary).to_contain_text("19 passages")
    box = toc.bounding_box()
    assert box["height"] < 100, f"the closed contents are {box['height']}px tall"
    summary.tap()
    expect(first).to_be_visible()
    toc.get_by_role("link", name=DEEP_TITLE).tap()
    expect(page).to_have_url(re.compile(rf"#{DEEP}$"))
    expect(page.locator(f"[id='{DEEP}']")).to_be_in_viewport()


def test_beside_the_text_the_contents_mark_the_passage_being_read(site, new_context):
    page = new_context(viewport=DESKTOP, reduced_motion="reduce").new_page()
    page.goto(URL)
    toc = contents(page)
    expect(toc.get_by_role("link", name=DEEP_TITLE)).to_be_hidden()  # a folded branch
    first = toc.get_by_role(
        "link", name="Importance of Military Diplomacy in Francophonie Relations"
    )
    expect(first).to_be_visible()
    expect(first).to_have_attribute("aria-current", "location")

    page.locator(f"[id='{DEEP}']").scroll_into_view_if_needed()
    page.evaluate(f"document.getElementById('{DEEP}').scrollIntoView()")
    deep = toc.get_by_role("link", name=DEEP_TITLE)
    expect(deep).to_have_attribute("aria-current", "location")
    expect(toc.locator("[aria-current]")).to_have_count(1)
    # Still in view, whole, far down the article; never a list scrolling inside itself.
    expect(deep).to_be_in_viewport()
    box = toc.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"], box
    assert not page.evaluate(SCROLLS_INSIDE)

    # The summary is only a title here: clicking it hides nothing.
    toc.locator("summary").click()
    expect(deep).to_be_visible()


def test_the_contents_fit_no_window_by_scrolling_inside_themselves(site, new_context):
    # A window too short for the list: it stays at the top of its column.
    page = new_context(viewport={"width": 1280, "height": 420}).new_page()
    page.goto(URL)
    page.mouse.wheel(0, 6000)
    assert not page.evaluate(SCROLLS_INSIDE)
    assert "toc--sticky" not in contents(page).get_attribute("class")


def test_without_javascript_the_contents_still_show_beside_the_text(site, new_context):
    page = new_context(viewport=DESKTOP, java_script_enabled=False).new_page()
    page.goto(URL)
    link = contents(page).get_by_role("link", name=DEEP_TITLE)
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(rf"#{DEEP}$"))


def test_each_heading_shows_its_permalink_on_hover_and_focus(site, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(URL)
    heading = page.get_by_role("heading", name=DEEP_TITLE, exact=True)
    permalink = heading.get_by_role("link", name=f"Link to the passage “{DEEP_TITLE}”")
    assert permalink.get_attribute("href") == f"#{DEEP}"
    expect(permalink).to_have_css("opacity", "0")
    heading.hover()
    expect(permalink).to_have_css("opacity", "1")
    expect(permalink).to_have_text(re.compile("¶"))
    page.mouse.move(0, 0)
    expect(permalink).to_have_css("opacity", "0")
    permalink.focus()
    expect(permalink).to_have_css("opacity", "1")
    permalink.press("Enter")
    expect(page).to_have_url(re.compile(rf"/articles/{FRANCOPHONIE}/#{DEEP}$"))


def test_each_heading_offers_to_cite_its_passage(site, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(URL)
    heading = page.get_by_role("heading", name=DEEP_TITLE, exact=True)
    cite = heading.get_by_role("link", name=f"Cite the passage “{DEEP_TITLE}”")
    expect(cite).to_have_css("opacity", "0")
    heading.hover()
    expect(cite).to_have_css("opacity", "1")
    cite.click()
    expect(page).to_have_url(re.compile(rf"/articles/{FRANCOPHONIE}/cite/{DEEP}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cite the passage “{DEEP_TITLE}”")
    download = page.get_by_role("link", name="Download the RIS file")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == f"{FRANCOPHONIE}-{DEEP}.ris"
