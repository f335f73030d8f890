"""
Never losing text, in the browser, as an Editor: changes typed and not
saved are kept per article and section, offered back after a closed tab or
an ended session, and leaving the page with them asks first.
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import make_article, make_editor

from .test_editor import PASSWORD, log_in

pytestmark = pytest.mark.browser

LEAD = "A lead typed and never saved, about convoy escorts."
BODY = "Escorts sail ahead of the convoy; this text was not saved either."


@pytest.fixture
def article(site):
    return make_article(
        "Escort Groups",
        summary="The saved lead.",
        sections=[{"heading": "Convoys", "body": "Saved text."}, {"heading": "Aircraft"}],
    )


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def type_changes(page, article):
    page.goto(change_url(article))
    page.get_by_label("Summary").fill(LEAD)
    page.get_by_role("button", name="Edit the section “Convoys”").click()
    page.locator("[name='sections-0-body']").fill(BODY)
    # Kept a moment after the typing stops.
    page.wait_for_function(
        "path => (localStorage.getItem('milcoop:unsaved:' + path) || '').includes('convoy;')",
        arg=change_url(article),
    )


def restore_and_check(page):
    offer = page.get_by_role("region", name="Unsaved changes")
    expect(offer).to_contain_text("the lead")
    expect(offer).to_contain_text("the text of “Convoys”")
    expect(page.get_by_label("Summary")).to_have_value("The saved lead.")
    offer.get_by_role("button", name="Restore my changes").click()
    expect(offer).to_have_count(0)
    expect(page.get_by_label("Summary")).to_have_value(LEAD)
    expect(page.locator("[name='sections-0-body']")).to_have_value(BODY)
    expect(page.locator("[name='sections-0-body']")).to_be_visible()  # its section unfolded


def test_a_closed_tab_loses_nothing(article, new_context):
    make_editor("keeper", password=PASSWORD)
    context = new_context()
    page = context.new_page()
    log_in(page, "keeper")
    type_changes(page, article)
    page.close()

    page = context.new_page()
    page.goto(change_url(article))
    restore_and_check(page)
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    saved = Article.objects.get(pk=article.pk)
    assert saved.summary == LEAD
    assert saved.sections.get(heading="Convoys").body == BODY
    # Saved: nothing is offered any more, and nothing is kept.
    page.reload()
    expect(page.get_by_role("region", name="Unsaved changes")).to_have_count(0)
    kept = page.evaluate(
        "path => localStorage.getItem('milcoop:unsaved:' + path)", change_url(article)
    )
    assert kept is None


def test_an_ended_session_loses_nothing(article, new_context):
    make_editor("sleeper", password=PASSWORD)
    context = new_context()
    page = context.new_page()
    log_in(page, "sleeper")
    type_changes(page, article)
    # The session ended while the editor typed (the CSRF cookie stays, as it does).
    context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    assert Article.objects.get(pk=article.pk).summary == "The saved lead."

    page.get_by_label("Username").fill("sleeper")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(rf"{change_url(article)}$"))
    restore_and_check(page)
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    assert Article.objects.get(pk=article.pk).summary == LEAD


def test_discarding_kept_changes(article, page):
    make_editor("discarder", password=PASSWORD)
    log_in(page, "discarder")
    type_changes(page, article)
    page.evaluate(
        "() => window.addEventListener('beforeunload', e => e.stopImmediatePropagation(), true)"
    )
    page.goto(change_url(article))
    offer = page.get_by_role("region", name="Unsaved changes")
    offer.get_by_role("button", name="Discard them").click()
    expect(offer).to_have_count(0)
    page.reload()
    expect(page.get_by_role("region", name="Unsaved changes")).to_have_count(0)
    expect(page.get_by_label("Summary")).to_have_value("The saved lead.")


def test_leaving_with_unsaved_changes_asks_first(article, page):
    make_editor("leaver", password=PASSWORD)
    log_in(page, "leaver")
    page.goto(change_url(article))
    asked = []

    def on_dialog(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.get_by_label("Summary").press_sequentially(" More words.")
    page.get_by_role("link", name="Articles").first.click(no_wait_after=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(re.compile(rf"{change_url(article)}$"))
    # Saving does not ask.
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    assert asked == ["beforeunload"]
