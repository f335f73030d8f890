"""Staff reading the public site get an "Edit" link to the article's form; nobody else does."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(db):
    return make_article(
        "Harbour Visits",
        sections=[{"heading": "Port calls", "tags": ["Naval"]}, {"heading": "Crews"}],
    )


def edit_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_an_editor_sees_edit_links_to_the_article_and_to_each_passage_s_place(article):
    client = Client()
    client.force_login(make_editor())

    response = client.get(article.get_absolute_url())

    page = response.content.decode()
    assert f'href="{edit_url(article)}"' in page
    assert f'href="{edit_url(article)}#sections-0"' in page
    assert f'href="{edit_url(article)}#sections-1"' in page
    assert response["X-Cache"] == "bypass"  # a logged-in page is never stored


def test_readers_and_staff_without_permission_see_no_edit_link(article):
    anonymous = Client().get(article.get_absolute_url()).content.decode()
    staff = Client()
    staff.force_login(User.objects.create_user("staff", password="x-pass-123", is_staff=True))

    assert edit_url(article) not in anonymous
    assert edit_url(article) not in staff.get(article.get_absolute_url()).content.decode()


def test_the_page_cache_never_hands_an_editor_s_page_to_a_reader(article):
    editor = Client()
    editor.force_login(make_editor())
    editor.get(article.get_absolute_url())

    first = Client().get(article.get_absolute_url())
    second = Client().get(article.get_absolute_url())

    assert second["X-Cache"] == "hit"
    for response in (first, second):
        assert edit_url(article) not in response.content.decode()
