"""
A long article's sections in the browser, as an Editor: folded to their
headings with an outline, unfolded to edit, reordered with the keyboard
buttons and by dragging, and the public page following the new order. The
form stays usable at 390 px.
"""

import pytest
from playwright.sync_api import expect

from tests.factories import make_article, make_editor

from .conftest import scrolls_sideways
from .test_editor import PASSWORD, log_in

pytestmark = pytest.mark.browser

HEADINGS = ["Harbours", "Convoys", "Minefields", "Lighthouses"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def article(site):
    return make_article(
        "Sea Lanes in Wartime",
        sections=[{"heading": h, "body": f"Notes on {h.lower()}."} for h in HEADINGS],
    )


def open_form(page, article, username="arranger"):
    make_editor(username, password=PASSWORD)
    log_in(page, username)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    expect(page.locator(".section-outline")).to_be_visible()


def card_titles(page):
    return page.locator(
        ".sections-enhanced .inline-related:not(.empty-form) .section-title"
    ).all_inner_texts()


def public_headings(page, article):
    page.goto(f"/articles/{article.slug}/")
    return [text.strip() for text in page.locator(".passage__heading > span").all_inner_texts()]


def save(page):
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")


def test_sections_fold_to_their_headings_with_an_outline(article, page):
    open_form(page, article)
    outline = page.locator(".section-outline .outline-list li")
    expect(outline).to_have_text(HEADINGS)
    assert card_titles(page) == HEADINGS
    bodies = page.locator("textarea[name^='sections-'][name$='-body']:not([name*='__prefix__'])")
    for index in range(len(HEADINGS)):
        expect(bodies.nth(index)).to_be_hidden()
    # Position numbers are not typed any more.
    expect(page.locator("[name='sections-0-position']")).to_be_hidden()

    page.get_by_role("button", name="Edit the section “Convoys”").click()
    expect(bodies.nth(1)).to_be_visible()
    expect(page.get_by_role("button", name="Fold the section “Convoys”")).to_have_attribute(
        "aria-expanded", "true"
    )
    bodies.nth(1).fill("Escorts and merchant ships, in twelve words or so for the count.")
    expect(page.locator("#sections-1 .section-words")).to_have_text("12 words")
    page.get_by_role("button", name="Fold the section “Convoys”").click()
    expect(bodies.nth(1)).to_be_hidden()

    # The outline unfolds the section it names and puts the cursor in its heading.
    page.locator(".section-outline").get_by_role("link", name="Lighthouses").click()
    expect(bodies.nth(3)).to_be_visible()
    expect(page.locator("[name='sections-3-heading']")).to_be_focused()
    page.locator("[name='sections-3-heading']").fill("Lighthouses and beacons")
    expect(page.locator(".section-outline .outline-list li").nth(3)).to_have_text(
        "Lighthouses and beacons"
    )


def test_reorder_with_the_keyboard_buttons(article, page):
    open_form(page, article)
    up = page.get_by_role("button", name="Move up the section “Minefields”")
    up.focus()
    page.keyboard.press("Enter")
    # The button keeps the focus, so it can be pressed again.
    expect(page.get_by_role("button", name="Move up the section “Minefields”")).to_be_focused()
    page.keyboard.press("Enter")
    assert card_titles(page) == ["Minefields", "Harbours", "Convoys", "Lighthouses"]
    expect(page.get_by_role("button", name="Move up the section “Minefields”")).to_have_attribute(
        "aria-disabled", "true"
    )
    down = page.get_by_role("button", name="Move down the section “Harbours”")
    down.focus()
    page.keyboard.press("Space")
    assert card_titles(page) == ["Minefields", "Convoys", "Harbours", "Lighthouses"]
    expect(page.locator(".section-outline .outline-list li")).to_have_text(
        ["Minefields", "Convoys", "Harbours", "Lighthouses"]
    )
    save(page)
    assert card_titles(page) == ["Minefields", "Convoys", "Harbours", "Lighthouses"]
    assert public_headings(page, article) == ["Minefields", "Convoys", "Harbours", "Lighthouses"]


def test_reorder_by_dragging(article, page):
    open_form(page, article)
    handle = page.locator("#sections-3 .drag-handle")
    handle.drag_to(page.locator("#sections-0"), target_position={"x": 40, "y": 4})
    assert card_titles(page) == ["Lighthouses", "Harbours", "Convoys", "Minefields"]
    # Dropped on the lower half of a section, it goes after it.
    page.locator("#sections-0 .drag-handle").drag_to(
        page.locator("#sections-1"), target_position={"x": 40, "y": 40}
    )
    assert card_titles(page) == ["Lighthouses", "Convoys", "Harbours", "Minefields"]
    save(page)
    assert public_headings(page, article) == ["Lighthouses", "Convoys", "Harbours", "Minefields"]


def test_a_new_section_goes_last_and_opens(article, page):
    open_form(page, article)
    page.get_by_role("button", name="Add another Section").click()
    new = page.locator("[name='sections-4-heading']")
    expect(new).to_be_visible()
    new.fill("Tides")
    page.locator("[name='sections-4-body']").fill("High water and low.")
    page.get_by_role("button", name="Move up the section “Tides”").click()
    save(page)
    assert public_headings(page, article)[:3] == ["Harbours", "Convoys", "Minefields"]
    page.goto(f"/articles/{article.slug}/")
    expect(page.get_by_role("heading", name="Tides")).to_be_visible()


def test_the_form_fits_a_phone(article, new_context):
    page = new_context(viewport=PHONE).new_page()
    open_form(page, article, "phone-editor")
    assert not scrolls_sideways(page)
    button = page.get_by_role("button", name="Move down the section “Convoys”")
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 40  # a finger-sized target
    page.get_by_role("button", name="Edit the section “Convoys”").click()
    assert not scrolls_sideways(page)
    title = page.locator("#id_title").bounding_box()
    assert title["width"] >= PHONE["width"] * 0.8


def test_a_new_section_moved_above_saved_ones_survives_removing_another(article, page):
    open_form(page, article)
    add = page.get_by_role("button", name="Add another Section")
    add.click()
    add.click()
    page.locator("[name='sections-4-heading']").fill("Tides")
    page.locator("[name='sections-5-heading']").fill("Currents")
    for _ in range(len(HEADINGS) + 1):
        page.get_by_role("button", name="Move up the section “Currents”").click()
    assert card_titles(page)[0] == "Currents"
    # Django numbers the rows again when a new one is removed: saved rows keep theirs.
    page.locator(".inline-related", has_text="Tides").locator(".inline-deletelink").click()
    assert card_titles(page) == ["Currents", *HEADINGS]
    save(page)
    expect(page.locator(".errornote")).to_have_count(0)
    assert public_headings(page, article) == ["Currents", *HEADINGS]
