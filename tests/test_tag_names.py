"""
Tag names made in the admin: a name without a letter or digit would give a
topic without an address (and public pages that cannot link it), so every
place an editor makes or renames a tag refuses it at the field, saving nothing.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from taggit.models import Tag

from articles.editorial import tags as editorial_tags
from articles.models import Article
from tests.factories import admin_form_data, make_article, make_editor

pytestmark = pytest.mark.django_db

# What an editor types into a tag field; without a comma, taggit splits the
# second at spaces, and its last word ">" becomes a name of its own.
BAD_FIELD_INPUTS = ["air, !!!", "<svg onload=alert(1) >"]
BAD_NAMES = ["!!!", ">"]
REFUSAL = "cannot be a tag"


@pytest.fixture
def editor_client():
    client = Client()
    client.force_login(make_editor())
    return client


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def assert_public_pages_work(client, article):
    for url in (article.get_absolute_url(), reverse("articles:tags"), "/", "/sitemap.xml"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("bad", BAD_FIELD_INPUTS)
def test_article_tag_field_refuses_a_name_without_letters(editor_client, client, bad):
    article = make_article("Tagged piece", tags=["naval"], sections=[{"heading": "Part"}])
    tags_before = Tag.objects.count()
    data = admin_form_data(editor_client.get(change_url(article)))
    data["title"] = "Renamed piece"
    data["tags"] = bad
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["tags"])
    assert REFUSAL in errors and "letter or digit" in errors
    assert REFUSAL in response.content.decode()
    saved = Article.objects.get(pk=article.pk)
    assert saved.title == "Tagged piece"
    assert list(saved.tags.names()) == ["naval"]
    assert Tag.objects.count() == tags_before
    assert_public_pages_work(client, saved)


@pytest.mark.parametrize("bad", BAD_FIELD_INPUTS)
def test_section_tag_field_refuses_a_name_without_letters(editor_client, client, bad):
    article = make_article("Sectioned", sections=[{"heading": "Part", "tags": ["naval"]}])
    data = admin_form_data(editor_client.get(change_url(article)))
    data["sections-0-tags"] = bad
    data["sections-0-body"] = "Changed text."
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    section_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert REFUSAL in " ".join(section_form.errors["tags"])
    section = article.sections.get()
    assert section.body == "Some text."
    assert list(section.tags.names()) == ["naval"]
    assert_public_pages_work(client, article)


def test_tag_field_tidies_spacing_and_repeats(editor_client):
    article = make_article("Spacing")
    data = admin_form_data(editor_client.get(change_url(article)))
    data["tags"] = '"naval   forces", "naval forces", air'
    assert editor_client.post(change_url(article), data).status_code == 302
    assert sorted(Article.objects.get(pk=article.pk).tags.names()) == ["air", "naval forces"]


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_tag_admin_refuses_to_add_a_name_without_letters(editor_client, bad):
    response = editor_client.post(reverse("admin:taggit_tag_add"), {"name": bad, "slug": "fine"})
    assert response.status_code == 200
    assert REFUSAL in " ".join(response.context["adminform"].form.errors["name"])
    assert not Tag.objects.exists()


def test_tag_admin_refuses_an_address_without_letters(editor_client):
    response = editor_client.post(reverse("admin:taggit_tag_add"), {"name": "Naval", "slug": "-"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"]
    assert not Tag.objects.exists()


def test_tag_admin_adds_a_good_tag(editor_client):
    response = editor_client.post(
        reverse("admin:taggit_tag_add"), {"name": " Naval  forces ", "slug": "naval-forces"}
    )
    assert response.status_code == 302
    assert Tag.objects.get().name == "Naval forces"


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_renaming_a_tag_refuses_a_name_without_letters(editor_client, client, bad):
    article = make_article("Renaming", tags=["navy"])
    navy = Tag.objects.get(name="navy")
    url = reverse("admin:taggit_tag_change", args=[navy.pk])
    response = editor_client.post(url, {"name": bad, "slug": "navy"})
    assert response.status_code == 200
    assert REFUSAL in " ".join(response.context["adminform"].form.errors["name"])
    navy.refresh_from_db()
    assert (navy.name, navy.slug) == ("navy", "navy")
    assert_public_pages_work(client, article)


def test_renaming_to_another_tags_name_in_other_case_is_a_field_message(editor_client):
    make_article("Clash", tags=["navy", "air"])
    navy = Tag.objects.get(name="navy")
    url = reverse("admin:taggit_tag_change", args=[navy.pk])
    response = editor_client.post(url, {"name": "AIR", "slug": "air-force"})
    assert response.status_code == 200
    assert "already has this name" in " ".join(response.context["adminform"].form.errors["name"])
    response = editor_client.post(url, {"name": "Air force", "slug": "AIR"})
    assert response.status_code == 200
    assert "already has this address" in " ".join(response.context["adminform"].form.errors["slug"])
    navy.refresh_from_db()
    assert (navy.name, navy.slug) == ("navy", "navy")


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_rename_tag_service_refuses_a_name_without_letters(bad):
    tag = Tag.objects.create(name="navy", slug="navy")
    with pytest.raises(ValidationError, match=REFUSAL):
        editorial_tags.rename_tag(tag=tag, name=bad)
    tag.refresh_from_db()
    assert tag.name == "navy"


def test_a_bad_stored_tag_can_be_merged_away_but_not_merged_into(editor_client):
    article = make_article("Merging", tags=["naval"])
    bad = Tag.objects.create(name=">", slug="")
    article.tags.add(bad)
    naval = Tag.objects.get(name="naval")
    url = reverse("admin:taggit_tag_changelist")

    response = editor_client.post(
        url,
        {
            "action": "merge_tags",
            "_selected_action": [naval.pk, bad.pk],
            "apply": "1",
            "target": bad.pk,
        },
    )
    assert response.status_code == 200
    assert REFUSAL in " ".join(response.context["form"].errors["target"])
    assert Tag.objects.filter(pk=naval.pk).exists()
    assert sorted(article.tags.names()) == [">", "naval"]

    response = editor_client.post(
        url,
        {
            "action": "merge_tags",
            "_selected_action": [naval.pk, bad.pk],
            "apply": "1",
            "target": naval.pk,
        },
    )
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=bad.pk).exists()
    assert list(article.tags.names()) == ["naval"]


def test_merge_tags_service_refuses_a_target_without_letters():
    article = make_article("Service merge", tags=["naval"])
    bad = Tag.objects.create(name="!!!", slug="")
    with pytest.raises(ValidationError, match=REFUSAL):
        editorial_tags.merge_tags(tags=list(Tag.objects.all()), into=bad)
    assert list(article.tags.names()) == ["naval"]
