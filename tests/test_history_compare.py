"""
History an editor reads: two versions side by side, word by word, sections
matched with their counterparts; restoring a version as a new one.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.admin.revisions import recorded_revision
from articles.content.history import ArticleState, compare, word_diff
from articles.content.text import ArticleContent, SectionContent
from articles.models import Article, Section
from tests.factories import admin_form_data as form_data
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db


def section(heading, body="Text.", anchor="", tags=(), level=2):
    return SectionContent(level=level, heading=heading, anchor=anchor, body=body, tags=tags)


def content(*sections, title="A title", summary="A lead.", tags=()):
    return ArticleContent(title=title, summary=summary, tags=tags, sections=sections)


# --- The comparison -----------------------------------------------------------------------


def test_words_that_changed_are_marked_and_the_rest_kept():
    old, new = word_diff("The navy sailed north at dawn.", "The fleet sailed south at dawn.")
    assert [p.text for p in old if p.kind == "removed"] == ["navy", "north"]
    assert [p.text for p in new if p.kind == "added"] == ["fleet", "south"]
    assert "".join(p.text for p in old) == "The navy sailed north at dawn."
    assert "".join(p.text for p in new) == "The fleet sailed south at dawn."


def test_a_renamed_section_is_matched_by_its_anchor_not_shown_as_removed_and_added():
    old = content(section("Ports", anchor="ports"), section("Crews", anchor="crews"))
    new = content(section("Harbours", anchor="ports"), section("Crews", anchor="crews"))
    changes = compare(old, new).sections
    assert [(c.heading, c.state) for c in changes] == [("Harbours", "changed"), ("Crews", "same")]
    heading = changes[0].fields[0]
    assert (heading.label, heading.old_text, heading.new_text) == ("Heading", "Ports", "Harbours")


def test_sections_without_anchors_are_matched_by_heading():
    old = content(section("Ports", "Old words."), section("Crews"))
    new = content(section("Crews"), section("Ports", "New words."))
    changes = compare(old, new).sections
    assert [(c.heading, c.state) for c in changes] == [("Crews", "same"), ("Ports", "changed")]
    assert [c.moved for c in changes].count(True) == 1


def test_a_moved_section_is_named_once_and_its_text_is_not_a_change():
    old = content(*(section(f"Part {n}", anchor=f"part-{n}") for n in range(1, 6)))
    moved = [old.sections[i] for i in (0, 1, 3, 4, 2)]
    comparison = compare(old, content(*moved))
    assert [c.heading for c in comparison.sections if c.moved] == ["Part 3"]
    part3 = next(c for c in comparison.sections if c.heading == "Part 3")
    assert (part3.old_position, part3.new_position, part3.fields) == (3, 5, ())
    assert comparison.text_changed


def test_added_and_removed_sections_stand_where_they_were():
    old = content(
        section("One", anchor="one"), section("Two", anchor="two"), section("Three", anchor="three")
    )
    new = content(
        section("One", anchor="one"),
        section("Three", anchor="three"),
        section("Four", "Fresh text."),
    )
    changes = compare(old, new).sections
    assert [(c.heading, c.state) for c in changes] == [
        ("One", "same"),
        ("Two", "removed"),
        ("Three", "same"),
        ("Four", "added"),
    ]
    added = changes[3]
    assert [(f.label, f.new_text) for f in added.fields] == [
        ("Heading", "Four"),
        ("Text", "Fresh text."),
    ]


def test_tags_title_lead_status_and_date():
    when = timezone.now() + timedelta(days=2)
    comparison = compare(
        content(title="Old title", summary="A short lead.", tags=["air", "navy"]),
        content(title="New title", summary="A longer lead.", tags=["navy", "space"]),
        old_state=ArticleState("draft", None),
        new_state=ArticleState("published", when),
    )
    found = {label: change for _, label, change in comparison.changes()}
    assert found["Title"].removed == ["Old"] and found["Title"].added == ["New"]
    assert found["Lead"].removed == ["short"] and found["Lead"].added == ["longer"]
    assert (found["Tags"].removed, found["Tags"].added) == (["air"], ["space"])
    assert (found["Status"].old_text, found["Status"].new_text) == ("Draft", "Published")
    local = timezone.localtime(when)
    assert found["Publication date"].new_text == f"{local.day} {local:%B %Y, %H:%M}"


def test_section_tags_and_level():
    old = content(section("Ports", anchor="ports", tags=["navy"]))
    new = content(section("Ports", anchor="ports", tags=["navy", "trade"], level=3))
    fields = {f.label: f for f in compare(old, new).sections[0].fields}
    assert fields["Tags"].added == ["trade"]
    assert (fields["Level"].old_text, fields["Level"].new_text) == ("Section", "Subsection")


# --- The compare page and restoring -------------------------------------------------------


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def saved_versions(client, article, *changes):
    """Save the article through the admin once per dict of form changes; its versions, oldest first."""
    for change in changes:
        data = form_data(client.get(change_url(article)))
        data.update(change)
        assert client.post(change_url(article), data).status_code == 302
    return list(Version.objects.get_for_object(article).order_by("pk"))


def compare_url(article, old, new):
    url = reverse("admin:articles_article_compare", args=[article.pk])
    return f"{url}?from={old.pk}&to={new.pk}"


def test_the_compare_page_shows_both_sides_with_the_words_marked(editor_client):
    article = make_article(
        "Side by side",
        sections=[{"heading": "Ports", "body": "Frigates visit the port."}, {"heading": "Crews"}],
    )
    first, second = saved_versions(
        editor_client,
        article,
        {"summary": "The first lead."},
        {"summary": "The second lead.", "sections-0-body": "Corvettes visit the port."},
    )
    page = editor_client.get(compare_url(article, first, second)).content.decode()
    assert '<table class="side-by-side">' in page
    assert '<del><span class="visually-hidden">Removed: </span>first</del>' in page
    assert '<ins><span class="visually-hidden">Added: </span>second</ins>' in page
    assert '<ins><span class="visually-hidden">Added: </span>Corvettes</ins>' in page
    assert "Unchanged section: Crews." in page
    assert page.count("Restore this version") == 1  # the newer one is the current version
    assert "---" not in page and "@@" not in page


def test_restore_makes_an_old_version_the_newest_and_keeps_the_rest(editor_client, editor):
    article = make_article("Restorable", sections=[{"heading": "Ports", "body": "Old text."}])
    first, second = saved_versions(
        editor_client,
        article,
        {"tags": "naval"},
        {"sections-0-body": "New text.", "tags": "naval, air", "summary": "Newer lead."},
    )
    later = Section.objects.create(article=article, heading="Added later", position=5)
    restore = reverse("admin:articles_article_restore", args=[article.pk, first.pk])
    assert editor_client.get(restore).status_code == 405
    response = editor_client.post(restore)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_public  # restoring text never unpublishes
    sections = list(article.sections.all())
    assert [(s.heading, s.body) for s in sections] == [("Ports", "Old text.")]
    assert "Old text." in sections[0].body_html
    assert not Section.objects.filter(pk=later.pk).exists()
    assert sorted(article.tags.names()) == ["naval"]
    versions = list(Version.objects.get_for_object(article).order_by("pk"))
    assert [v.pk for v in versions[:2]] == [first.pk, second.pk]  # nothing destroyed
    assert len(versions) == 3
    newest = versions[-1].revision
    assert newest.user == editor
    assert newest.get_comment().startswith("Restored the version saved on")
    page = editor_client.get(change_url(article)).content.decode()
    assert "It is the newest version now" in page


def test_restore_touches_only_this_article_of_a_shared_revision(editor_client):
    first = make_article("First of a pair", status=Article.Status.DRAFT, summary="First lead.")
    second = make_article("Second of a pair", status=Article.Status.DRAFT, summary="Second lead.")
    with recorded_revision(user=None, comment="Both at once."):
        first.save()
        second.save()
    shared = Version.objects.get_for_object(first).get()
    for article in (first, second):
        article.summary = "Changed since."
        article.save()
    restore = reverse("admin:articles_article_restore", args=[first.pk, shared.pk])
    assert editor_client.post(restore).status_code == 302
    assert Article.objects.get(pk=first.pk).summary == "First lead."
    assert Article.objects.get(pk=second.pk).summary == "Changed since."


def test_restoring_needs_the_change_permission(editor_client):
    article = make_article("Guarded")
    first, _ = saved_versions(editor_client, article, {"summary": "One."}, {"summary": "Two."})
    reader = make_editor("reader")
    reader.groups.clear()
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    client = Client()
    client.force_login(reader)
    page = client.get(compare_url(article, first, first)).content.decode()
    assert "Restore this version" not in page
    restore = reverse("admin:articles_article_restore", args=[article.pk, first.pk])
    assert client.post(restore).status_code == 403
    assert Article.objects.get(pk=article.pk).summary == "Two."


def test_the_conflict_screen_shows_the_same_side_by_side_comparison(editor_client):
    article = make_article("Contested piece", summary="The first lead.")
    data = form_data(editor_client.get(change_url(article)))
    saved = Article.objects.get(pk=article.pk)
    saved.summary = "Someone else's lead."
    saved.save()
    data["title"] = "Contested piece, renamed"
    response = editor_client.post(change_url(article), data)
    page = response.content.decode()
    assert '<table class="side-by-side">' in page
    assert '<ins><span class="visually-hidden">Added: </span>, renamed</ins>' in page
    assert "Lines starting with" not in page
