"""
The history in the browser, as an Editor: choose two versions, read them
side by side, restore the older one, and find it on the form and the site.
"""

import pytest
from playwright.sync_api import expect

from tests.factories import make_article, make_editor

from .test_editor import PASSWORD, log_in

pytestmark = pytest.mark.browser


def save_summary(page, article, text):
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    page.get_by_label("Summary").fill(text)
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")


def test_compare_two_versions_and_restore_one(site, page):
    make_editor("historian", password=PASSWORD)
    article = make_article("Coastal Radar Chains", summary="Radar stations watch the coast.")
    log_in(page, "historian")
    save_summary(page, article, "Radar stations watch the northern coast.")
    save_summary(page, article, "Sonar buoys watch the northern coast.")

    page.get_by_role("link", name="History").first.click()
    rows = page.locator("#change-history tbody tr")
    expect(rows).to_have_count(2)
    # Newest first: from the older, to the newer (the defaults), then compare.
    expect(rows.nth(0).get_by_role("radio").nth(1)).to_be_checked()
    expect(rows.nth(1).get_by_role("radio").nth(0)).to_be_checked()
    page.get_by_role("button", name="Compare two versions").click()

    lead = page.locator(".side-by-side tr", has_text="Lead")
    expect(lead.locator("td.old del")).to_have_text("Removed: Radar stations")
    expect(lead.locator("td.new ins")).to_have_text("Added: Sonar buoys")
    expect(lead.locator("td.old")).to_contain_text("watch the northern coast.")

    page.get_by_role("button", name="Restore this version").click()
    expect(page.locator(".messagelist")).to_contain_text("It is the newest version now")
    expect(page.get_by_label("Summary")).to_have_value("Radar stations watch the northern coast.")
    page.get_by_role("link", name="History").first.click()
    expect(page.locator("#change-history tbody tr")).to_have_count(3)
    expect(page.locator("#change-history tbody tr").first).to_contain_text("Restored the version")

    page.goto(f"/articles/{article.slug}/")
    expect(page.get_by_text("Radar stations watch the northern coast.")).to_be_visible()
