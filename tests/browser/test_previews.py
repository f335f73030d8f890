"""
Previews of the exact passage (issue 13, item 1), read in Chromium: hovering
or focusing a cross-reference, a backlink, a related passage or a topic link
shows the card of what it leads to; Escape closes it; on a phone a tap shows
it with "Open"; without JavaScript every link goes where it says.
"""

import re

import pytest
from playwright.sync_api import expect
from taggit.models import Tag

from articles.models import TopicDescription

from .conftest import DESKTOP, FRANCOPHONIE
from .test_accessibility import RUN_AXE, describe
from .test_reading_checks import CITING, add_citing_article

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
TRAINING = "training-programs-for-partner-nations"
TRAINING_TITLE = "Training programs for partner nations"


@pytest.fixture
def reading_site(site):
    add_citing_article()
    return site


def card(page):
    return page.locator("#preview-card")


def cross_reference_to_training(page):
    return page.locator(f"a.xref[href$='/{FRANCOPHONIE}/#{TRAINING}']")


def test_hovering_a_cross_reference_shows_the_exact_passage(reading_site, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(f"/articles/{CITING}/")
    link = cross_reference_to_training(page)
    link.hover()
    preview = card(page)
    expect(preview).to_be_visible()
    expect(preview.locator(".preview__title")).to_have_text(TRAINING_TITLE)
    expect(preview).to_contain_text("Passage in Exploring Military Diplomacy in Francophonie")
    expect(preview).to_contain_text("Training programs for partner nations play a pivotal role")
    expect(preview.get_by_role("link", name=re.compile("^Open"))).to_be_hidden()
    assert link.get_attribute("aria-describedby") == "preview-card"
    # Below the link (or above), never off the screen.
    box, around = preview.bounding_box(), link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"]
    assert box["y"] >= around["y"] + around["height"] or box["y"] + box["height"] <= around["y"]
    page.mouse.move(5, 5)
    expect(preview).to_be_hidden()
    assert link.get_attribute("aria-describedby") is None


def test_a_related_passage_link_previews_its_passage(reading_site, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(f"/articles/{FRANCOPHONIE}/")
    passage = page.locator("section.passage").filter(has=page.locator(f"[id='{TRAINING}']"))
    passage.locator("summary").click()
    link = passage.locator(".related__list a").first
    heading = link.inner_text().strip()
    link.hover()
    expect(card(page).locator(".preview__title")).to_have_text(heading)


def test_focusing_a_backlink_shows_the_citing_passage_and_escape_closes_it(
    reading_site, new_context
):
    page = new_context(viewport=DESKTOP).new_page()
    page.goto(f"/articles/{FRANCOPHONIE}/")
    backlink = page.get_by_role("region", name="Referenced by").get_by_role(
        "link", name="§ Training"
    )
    # From the keyboard: the link before it, then Tab.
    page.get_by_role("region", name="Referenced by").get_by_role("link", name="The lead").focus()
    page.keyboard.press("Tab")
    expect(backlink).to_be_focused()
    preview = card(page)
    expect(preview).to_be_visible()
    expect(preview.locator(".preview__title")).to_have_text("Training")
    expect(preview).to_contain_text("Passage in Notes on Francophone Cooperation")
    page.keyboard.press("Escape")
    expect(preview).to_be_hidden()
    expect(backlink).to_be_focused()
    # Moving on closes the card of the link left.
    page.keyboard.press("Shift+Tab")
    expect(preview).to_be_visible()
    page.keyboard.press("Tab")
    expect(preview.locator(".preview__title")).to_have_text("Training")


def test_a_topic_link_previews_the_topic(reading_site, new_context):
    page = new_context(viewport=DESKTOP).new_page()
    TopicDescription.objects.create(
        tag=Tag.objects.get(slug="peacekeeping"),
        text="Forces sent **with the consent** of the parties to keep a ceasefire.",
    )
    page.goto(f"/articles/{FRANCOPHONIE}/")
    topics = page.get_by_role("list", name="Topics of this article")
    topics.get_by_role("link", name="Peacekeeping").hover()
    preview = card(page)
    expect(preview.locator(".preview__title")).to_have_text("Peacekeeping")
    expect(preview).to_contain_text("Forces sent with the consent of the parties")
    expect(preview).to_contain_text(re.compile(r"Topic · \d+ articles? · \d+ passages?"))
    expect(preview.get_by_role("list")).to_be_visible()


def test_on_a_phone_a_tap_shows_the_card_and_open_follows_it(reading_site, new_context):
    page = new_context(viewport=PHONE_390, is_mobile=True, has_touch=True).new_page()
    page.goto(f"/articles/{CITING}/")
    link = cross_reference_to_training(page)
    link.tap()
    preview = card(page)
    expect(preview).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/articles/{CITING}/$"))  # not followed yet
    expect(preview.locator(".preview__title")).to_have_text(TRAINING_TITLE)
    box = preview.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_390["width"]
    opener = preview.get_by_role("link", name="Open the passage")
    expect(opener).to_be_visible()
    opener.tap()
    expect(page).to_have_url(re.compile(rf"/articles/{FRANCOPHONIE}/#{TRAINING}$"))
    expect(page.locator(f"[id='{TRAINING}']")).to_be_in_viewport()


def test_on_a_phone_a_tap_elsewhere_closes_the_card(reading_site, new_context):
    page = new_context(viewport=PHONE_390, is_mobile=True, has_touch=True).new_page()
    page.goto(f"/articles/{CITING}/")
    cross_reference_to_training(page).tap()
    expect(card(page)).to_be_visible()
    page.get_by_role("heading", level=1).tap()
    expect(card(page)).to_be_hidden()


def test_without_javascript_the_links_go_to_the_right_passage(reading_site, new_context):
    page = new_context(
        viewport=DESKTOP, java_script_enabled=False, reduced_motion="reduce"
    ).new_page()
    page.goto(f"/articles/{CITING}/")
    cross_reference_to_training(page).click()
    expect(page).to_have_url(re.compile(rf"/articles/{FRANCOPHONIE}/#{TRAINING}$"))
    expect(page.locator(f"[id='{TRAINING}']")).to_be_in_viewport()
    page.get_by_role("region", name="Referenced by").get_by_role("link", name="§ Training").click()
    expect(page).to_have_url(re.compile(rf"/articles/{CITING}/#training$"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_390], ids=["1280", "390"])
def test_an_open_card_has_no_accessibility_violation(
    axe_script, reading_site, new_context, viewport, scheme
):
    phone = viewport is PHONE_390
    page = new_context(
        viewport=viewport, color_scheme=scheme, bypass_csp=True, is_mobile=phone, has_touch=phone
    ).new_page()
    page.goto(f"/articles/{CITING}/")
    link = cross_reference_to_training(page)
    link.tap() if phone else link.hover()
    expect(card(page)).to_be_visible()
    page.add_script_tag(path=str(axe_script))
    found = [describe("card", page.url, v) for v in page.evaluate(RUN_AXE)]
    assert not found, "\n  ".join(found)
