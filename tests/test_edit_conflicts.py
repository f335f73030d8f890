"""
Two editors on one article: the second one's save is refused with the
differences, and "save again" adds their changes to the first one's instead
of writing their whole form back over it.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.factories import admin_form_data, make_article, make_editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return make_article(
        "Shared piece",
        summary="The first lead.",
        tags=["naval"],
        sections=[
            {"heading": "First part", "body": "First text."},
            {"heading": "Second part", "body": "Second text."},
        ],
    )


@pytest.fixture
def editors():
    alice, bob = Client(), Client()
    alice.force_login(make_editor("alice"))
    bob.force_login(make_editor("bob"))
    return alice, bob


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def both_open(article, editors):
    alice, bob = editors
    url = change_url(article)
    return admin_form_data(alice.get(url)), admin_form_data(bob.get(url))


def test_save_again_keeps_the_other_editors_changes_to_other_fields(article, editors):
    alice, bob = editors
    url = change_url(article)
    alice_data, bob_data = both_open(article, editors)
    alice_data["title"] = "Shared piece, retitled"
    alice_data["sections-0-body"] = "Alice's first text."
    assert alice.post(url, alice_data).status_code == 302

    bob_data["summary"] = "Bob's lead."
    bob_data["tags"] = "naval, air"
    bob_data["sections-1-heading"] = "Second part, renamed"
    response = bob.post(url, bob_data)
    assert response.status_code == 200
    assert "Your changes were not saved" in response.content.decode()
    assert response.context["conflict_both"] == []
    # The form now holds Alice's version with Bob's changes on top.
    form = response.context["adminform"].form
    assert form["title"].value() == "Shared piece, retitled"
    assert form["summary"].value() == "Bob's lead."
    sections = response.context["inline_admin_formsets"][0].formset.forms
    assert sections[0]["body"].value() == "Alice's first text."
    changes = response.context["conflict_diff"].changes()
    assert [
        change
        for place, label, change in changes
        if (place, label) == ("Article", "Lead")
        and (change.old_text, change.new_text) == ("The first lead.", "Bob's lead.")
    ]
    written = [change.old_text + change.new_text for _, _, change in changes]
    assert not [text for text in written if "Alice" in text or "retitled" in text]

    assert bob.post(url, admin_form_data(response)).status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert saved.title == "Shared piece, retitled"
    assert saved.summary == "Bob's lead."
    assert sorted(saved.tags.names()) == ["air", "naval"]
    first, second = saved.sections.order_by("position")
    assert first.body == "Alice's first text."
    assert (second.heading, second.body) == ("Second part, renamed", "Second text.")


def test_save_again_after_both_changed_one_field_writes_the_second_version(article, editors):
    alice, bob = editors
    url = change_url(article)
    alice_data, bob_data = both_open(article, editors)
    alice_data["summary"] = "Alice's lead."
    alice_data["sections-1-body"] = "Alice's second text."
    assert alice.post(url, alice_data).status_code == 302

    bob_data["summary"] = "Bob's lead."
    response = bob.post(url, bob_data)
    assert response.status_code == 200
    assert response.context["conflict_both"] == ["Summary"]
    page = response.content.decode()
    assert "You both changed this field" in page
    changes = response.context["conflict_diff"].changes()
    lead = [change for place, label, change in changes if (place, label) == ("Article", "Lead")]
    assert [(change.old_text, change.new_text) for change in lead] == [
        ("Alice's lead.", "Bob's lead.")
    ]
    assert not [c for _, _, c in changes if "second text" in c.old_text + c.new_text]

    assert bob.post(url, admin_form_data(response)).status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert saved.summary == "Bob's lead."
    assert saved.sections.get(position=1).body == "Alice's second text."


def test_a_publication_date_change_survives_the_conflict_round(editors):
    alice, bob = editors
    article = make_article("Dated piece", published_at=timezone.now() - timedelta(days=3))
    url = change_url(article)
    alice_data, bob_data = both_open(article, editors)
    alice_data["summary"] = "Alice's lead."
    assert alice.post(url, alice_data).status_code == 302

    later = timezone.localtime() + timedelta(days=4)
    bob_data["published_at_0"] = later.strftime("%Y-%m-%d")
    bob_data["published_at_1"] = "08:15:00"
    response = bob.post(url, bob_data)
    assert response.status_code == 200
    assert bob.post(url, admin_form_data(response)).status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert saved.summary == "Alice's lead."
    assert timezone.localtime(saved.published_at).strftime("%Y-%m-%d %H:%M") == (
        f"{later:%Y-%m-%d} 08:15"
    )


def test_a_change_survives_a_form_shown_again_for_another_error(article, editors):
    _, bob = editors
    url = change_url(article)
    data = admin_form_data(bob.get(url))
    later = timezone.localtime() + timedelta(days=4)
    data["published_at_0"] = later.strftime("%Y-%m-%d")
    data["published_at_1"] = "08:15:00"
    data["tags"] = "!!!"
    response = bob.post(url, data)
    assert response.status_code == 200  # the tag is refused
    again = admin_form_data(response)
    again["tags"] = "naval"
    assert bob.post(url, again).status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert timezone.localtime(saved.published_at).strftime("%H:%M") == "08:15"


def test_a_save_without_a_conflict_leaves_untouched_fields_exactly_as_saved(article, editors):
    _, bob = editors
    url = change_url(article)
    data = admin_form_data(bob.get(url))
    data["sections-0-body"] = "Only this changes."
    assert bob.post(url, data).status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert saved.summary == "The first lead."
    assert saved.sections.get(position=0).body == "Only this changes."
    assert saved.sections.get(position=1).body == "Second text."
