"""
Tag fields in the admin: each name is a chip, and every name typed is
completed from the site's tags, not only the first, leaving out the names
already chosen; in the article's own field and in a section row added on
the page. The field submits the names as taggit reads them.
"""

import pytest
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import make_editor

from .test_editor import PASSWORD, ensure_section_forms, log_in, section_field

pytestmark = pytest.mark.browser


def suggestions(field):
    """The values the field's datalist offers right now."""
    return field.evaluate("input => Array.from(input.list.options, option => option.value)")


def chips(page, field_name):
    box = page.locator(f"input[name='{field_name}'] + .tag-chips")
    return box.locator(".chip span").all_inner_texts()


def test_every_name_in_a_tag_field_is_completed(site, page):
    make_editor("tagger", password=PASSWORD)
    log_in(page, "tagger")
    page.goto("/admin/articles/article/add/")

    entry = page.locator("#id_tags")  # the label's input: the chip entry
    entry.press_sequentially("peacek")
    assert suggestions(entry) == ["Peacekeeping"]
    entry.fill("Peacekeeping")
    entry.press("Enter")
    assert chips(page, "tags") == ["Peacekeeping"]

    entry.press_sequentially("joint ex")
    assert suggestions(entry) == ["Joint exercises"]
    entry.press(",")
    # A name already chosen is not offered again.
    entry.press_sequentially("peace")
    assert "Peacekeeping" not in suggestions(entry)
    entry.fill("")
    assert chips(page, "tags") == ["Peacekeeping", "joint ex"]

    # The last chip comes back for editing with Backspace, and is removed by its button.
    entry.press("Backspace")
    expect(entry).to_have_value("joint ex")
    entry.fill("Joint exercises, Air and space power")
    entry.press("Enter")
    assert chips(page, "tags") == ["Peacekeeping", "Joint exercises", "Air and space power"]
    page.get_by_role("button", name="Remove the tag Air and space power").click()
    assert chips(page, "tags") == ["Peacekeeping", "Joint exercises"]
    hidden = page.locator("input[name='tags']")
    expect(hidden).to_have_value("Peacekeeping, Joint exercises")

    ensure_section_forms(page, 1)
    section_entry = page.locator("#id_sections-0-tags")
    section_entry.press_sequentially("peacek")
    assert suggestions(section_entry) == ["Peacekeeping"]
    section_entry.press("Enter")
    assert chips(page, "sections-0-tags") == ["peacek"]

    page.locator("#id_title").fill("Chips and Topics")
    page.locator("#id_title").press("Tab")  # the admin makes the slug from the title
    section_field(page, 0, "heading").fill("A part")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("added successfully")
    article = Article.objects.get(slug="chips-and-topics")
    assert sorted(article.tags.names()) == ["Joint exercises", "Peacekeeping"]
    assert chips(page, "tags") == ["Joint exercises", "Peacekeeping"]
