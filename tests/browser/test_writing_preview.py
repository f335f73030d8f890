"""
Writing with a live preview, in the browser, as an Editor: the preview
beside a section's text follows the typing, with a resolved and a wanted
cross-reference marked, a dropped tag named and a heading warned about; the
toolbar writes the Markdown.
"""

import pytest
from playwright.sync_api import expect

from tests.factories import make_article, make_editor

from .test_editor import PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_the_preview_follows_the_typing(site, page):
    make_article("Naval Treaties")
    article = make_article(
        "Escort Duty", sections=[{"heading": "Convoys", "body": "Ships in company."}]
    )
    make_editor("writer", password=PASSWORD)
    log_in(page, "writer")
    page.goto(f"/admin/articles/article/{article.pk}/change/")

    # The lead's preview is there from the start.
    lead_preview = page.locator(".field-summary .markdown-preview .preview-body")
    expect(lead_preview).to_contain_text(article.summary)

    page.get_by_role("button", name="Edit the section “Convoys”").click()
    body = page.locator("[name='sections-0-body']")
    preview = page.locator("#sections-0 .markdown-preview")
    expect(preview.locator(".preview-body")).to_contain_text("Ships in company.")

    body.fill("")
    body.press_sequentially(
        "**Escorts** sail. See [[Naval Treaties]] and [[Missing Manual]]. "
        "<script>alert(1)</script>\n\n## An inner heading",
        delay=5,
    )
    rendered = preview.locator(".preview-body")
    expect(rendered.locator("strong")).to_have_text("Escorts")
    expect(rendered.get_by_role("link", name="Naval Treaties")).to_have_attribute(
        "href", "/articles/naval-treaties/"
    )
    expect(rendered.locator(".xref-unpublished")).to_contain_text("Missing Manual")
    expect(rendered.locator("script")).to_have_count(0)
    notes = preview.locator(".preview-notes")
    expect(notes).to_contain_text("<script>")
    expect(notes).to_contain_text("“An inner heading”")
    expect(notes.locator(".reference-resolved")).to_contain_text("Naval Treaties")
    expect(notes.locator(".reference-wanted")).to_contain_text("Missing Manual")

    # The toolbar wraps the selection in Markdown, and the preview follows.
    body.fill("Frigates and corvettes.")
    body.evaluate("textarea => textarea.setSelectionRange(0, 8)")
    page.locator("#sections-0 .markdown-toolbar").get_by_role("button", name="Bold").click()
    expect(body).to_have_value("**Frigates** and corvettes.")
    expect(rendered.locator("strong")).to_have_text("Frigates")
    page.locator("#sections-0 .markdown-toolbar").get_by_role(
        "button", name="Bulleted list"
    ).click()
    expect(body).to_have_value("- **Frigates** and corvettes.")
    expect(rendered.locator("li")).to_have_text("Frigates and corvettes.")
