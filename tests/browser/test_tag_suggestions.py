"""
Tag suggestions in the admin: a tag field holds several comma-separated
names, and every one of them is completed from the site's tags, not only the
first; in the article's own field and in a section row added on the page.
"""

import pytest
from playwright.sync_api import expect

from tests.factories import make_editor

from .test_editor import PASSWORD, ensure_section_forms, log_in, section_field

pytestmark = pytest.mark.browser


def suggestions(page, field):
    """The values the field's datalist offers right now."""
    return field.evaluate("input => Array.from(input.list.options, option => option.value)")


def test_every_name_in_a_tag_field_is_completed(site, page):
    make_editor("tagger", password=PASSWORD)
    log_in(page, "tagger")
    page.goto("/admin/articles/article/add/")

    field = page.locator("[name='tags']")
    field.fill("")
    field.press_sequentially("peacek")
    assert suggestions(page, field) == ["Peacekeeping"]

    field.fill("")
    field.press_sequentially("Peacekeeping, joint ex")
    assert suggestions(page, field) == ["Peacekeeping, Joint exercises"]

    # A name already in the field is not offered again.
    field.fill("")
    field.press_sequentially("Peacekeeping, peace")
    assert "Peacekeeping, Peacekeeping" not in suggestions(page, field)

    ensure_section_forms(page, 1)
    section_tags = section_field(page, 0, "tags")
    section_tags.press_sequentially("Joint exercises,peacek")
    expect(section_tags).to_have_value("Joint exercises,peacek")
    assert suggestions(page, section_tags) == ["Joint exercises,Peacekeeping"]
