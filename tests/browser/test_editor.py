"""
An editor at work in the admin, in a real browser: writes an article with its
sections and tags, previews the draft, publishes it and finds it on the public
site; and two editors saving the same article at once, where the later save is
refused rather than silently overwriting the first.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_article, make_editor

pytestmark = pytest.mark.browser

PASSWORD = "editor-pass-123"

TITLE = "Naval Diplomacy in the Gulf of Guinea"
SLUG = "naval-diplomacy-in-the-gulf-of-guinea"
SECTIONS = [
    (
        "Coastal patrol partnerships",
        "Maritime liaison officers coordinate quayside inspections with partner crews.",
    ),
    (
        "Training the coastguards",
        "Boarding drills run each spring, with instructors from four navies.",
    ),
]


def log_in(page, username):
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def section_field(page, index, name):
    return page.locator(f"[name='sections-{index}-{name}']")


def ensure_section_forms(page, count):
    """Blank section forms in the inline, adding more with its "Add another" link as needed."""
    add_another = page.get_by_role("button", name="Add another Section")
    for index in range(count):
        if section_field(page, index, "heading").count() == 0:
            add_another.click()
        expect(section_field(page, index, "heading")).to_be_editable()


def save_and_continue(page):
    page.get_by_role("button", name="Save and continue editing").first.click()


def publish_from_changelist(page, title):
    """Tick the article in the list and run the publish action (confirming if asked)."""
    page.goto("/admin/articles/article/")
    page.get_by_role("row").filter(has_text=title).get_by_role("checkbox").check()
    action = page.get_by_role("combobox", name=re.compile(r"Action"))
    labels = action.locator("option").all_inner_texts()
    publish = next(label for label in labels if re.match(r"\s*publish", label, re.I))
    action.select_option(label=publish)
    page.get_by_role("button", name="Go").click()
    confirm = page.get_by_role("button", name=re.compile(r"(Yes|Publish|Confirm)", re.I))
    if confirm.count():
        confirm.first.click()
    expect(page.locator(".messagelist")).to_contain_text(re.compile(r"publish", re.I))


def test_editor_writes_previews_and_publishes_an_article(site, page):
    make_editor(username="editor", password=PASSWORD)
    log_in(page, "editor")

    page.goto("/admin/articles/article/add/")
    title = page.get_by_label("Title")
    title.fill(TITLE)
    title.press("Tab")
    # The admin makes the slug from the title as the editor leaves the field.
    expect(page.get_by_label("Slug")).to_have_value(SLUG)
    page.get_by_label("Summary").fill("How West African navies and their partners share the sea.")
    page.locator("#id_tags").fill("Maritime security, Peacekeeping")
    ensure_section_forms(page, len(SECTIONS))
    for index, (heading, body) in enumerate(SECTIONS):
        section_field(page, index, "heading").fill(heading)
        section_field(page, index, "body").fill(body)
    save_and_continue(page)
    expect(page.locator(".messagelist")).to_contain_text("added successfully")
    expect(page.locator(".errornote")).to_have_count(0)

    # Not public yet, but the editor can preview the draft from the change form.
    page.get_by_role("link", name="Draft preview").click()
    expect(page).to_have_url(re.compile(rf"/preview/articles/{SLUG}/$"))
    expect(page.get_by_role("note")).to_contain_text("Draft preview")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    for heading, _ in SECTIONS:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()

    publish_from_changelist(page, TITLE)

    # The public site now shows it: its page, its topics, and search.
    response = page.goto(f"/articles/{SLUG}/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("note")).to_have_count(0)
    for heading, body in SECTIONS:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(page.get_by_text(body)).to_be_visible()

    page.goto("/tags/maritime-security/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maritime security")
    expect(page.get_by_role("link", name=TITLE).first).to_be_visible()

    page.goto("/search/?q=quayside+inspections")
    expect(
        page.get_by_role("link", name=re.compile(re.escape(TITLE) + "|Coastal patrol")).first
    ).to_be_visible()


def test_second_editor_is_refused_when_the_article_changed_under_them(site, new_context):
    article = make_article(
        "Defence Attachés in Practice",
        summary="The first lead.",
        sections=[{"heading": "Daily work", "body": "Meetings and reports."}],
    )
    first = make_editor(username="alice", password=PASSWORD)
    first.first_name, first.last_name = "Alice", "Adams"
    first.save()
    make_editor(username="bob", password=PASSWORD)

    change_url = f"/admin/articles/article/{article.pk}/change/"
    alice = new_context().new_page()
    bob = new_context().new_page()
    for page, username in ((alice, "alice"), (bob, "bob")):
        log_in(page, username)
        page.goto(change_url)
        expect(page.get_by_label("Summary")).to_have_value("The first lead.")

    alice.get_by_label("Summary").fill("Alice's rewritten lead.")
    alice.get_by_role("button", name="Save", exact=True).first.click()
    expect(alice.locator(".messagelist")).to_contain_text("changed successfully")

    bob_text = "Bob's rewritten lead, typed over the old one."
    bob.get_by_label("Summary").fill(bob_text)
    bob.get_by_role("button", name="Save", exact=True).first.click()
    # The refusal says who saved first.
    refusal = bob.locator(".errornote, .messagelist .error, .errorlist").filter(
        has_text="Alice Adams"
    )
    expect(refusal.first).to_be_visible()
    # Bob's work is still in the form for him to reconcile, and Alice's save stands.
    expect(bob.get_by_label("Summary")).to_have_value(bob_text)
    article.refresh_from_db()
    assert article.summary == "Alice's rewritten lead."
