"""
Publishing in the browser, as an Editor (not a superuser): the article list
fits a 1280 px window, and the change form's buttons publish, schedule and
unpublish, with the status line saying where the article stands.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import make_article, make_editor

from .test_editor import PASSWORD, log_in

pytestmark = pytest.mark.browser

# Overflowing cells and a table wider than its box, in the article list.
CLIPPED = """
() => {
    const table = document.querySelector("#result_list");
    const box = table.parentElement.getBoundingClientRect();
    const cells = Array.from(table.querySelectorAll("th, td"))
        .filter(cell => cell.scrollWidth > cell.clientWidth + 1)
        .map(cell => cell.className || cell.textContent.trim().slice(0, 30));
    return {cells, tableWider: table.getBoundingClientRect().right > box.right + 1,
            pageWider: document.scrollingElement.scrollWidth > window.innerWidth};
}
"""


def test_the_article_list_has_no_clipped_column_at_1280_px(site, page):
    make_editor("lister", password=PASSWORD)
    make_article(
        "An article with a great many topics and a long title to wrap",
        tags=[f"Topic number {n}" for n in range(12)],
    )
    log_in(page, "lister")
    page.goto("/admin/articles/article/")
    expect(page.locator("#result_list")).to_be_visible()
    assert page.evaluate(CLIPPED) == {"cells": [], "tableWider": False, "pageWider": False}


def test_publish_schedule_and_unpublish_from_the_buttons(site, page):
    make_editor("publisher", password=PASSWORD)
    draft = make_article(
        "Harbour Talks", status=Article.Status.DRAFT, summary="A draft about harbours."
    )
    log_in(page, "publisher")
    page.goto(f"/admin/articles/article/{draft.pk}/change/")
    status = page.locator("#publishing-status")
    expect(status).to_contain_text("Draft")

    page.get_by_label("Summary").fill("Harbours, and the talks held in them.")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Published “Harbour Talks”")
    expect(status).to_contain_text("Published on")
    expect(status).to_contain_text("Last saved by publisher")
    response = page.goto(f"/articles/{draft.slug}/")
    assert response.status == 200
    expect(page.get_by_text("Harbours, and the talks held in them.")).to_be_visible()

    page.goto(f"/admin/articles/article/{draft.pk}/change/")
    page.get_by_role("button", name="Unpublish").click()
    expect(page.locator(".messagelist")).to_contain_text("it is a draft again")
    expect(status).to_contain_text("Draft")
    assert page.goto(f"/articles/{draft.slug}/").status == 404

    page.goto(f"/admin/articles/article/{draft.pk}/change/")
    when = timezone.localtime(timezone.now() + timedelta(days=5))
    page.locator("summary", has_text="Schedule…").click()
    page.get_by_label("Date", exact=True).fill(f"{when:%Y-%m-%d}")
    page.get_by_label("Time", exact=True).fill("09:30")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(
        re.compile(rf"Scheduled “Harbour Talks” for 0?{when.day} {when:%B %Y}, 09:30")
    )
    expect(status).to_contain_text("Scheduled")
    draft.refresh_from_db()
    assert draft.is_scheduled
    assert page.goto(f"/articles/{draft.slug}/").status == 404
