"""An Editor writes a topic's description in the admin; readers see it on the topic page."""

import pytest
from django.test import Client
from django.urls import reverse
from taggit.models import Tag

from articles.models import TopicDescription
from tests.factories import make_article, make_editor

pytestmark = pytest.mark.django_db


def test_an_editor_describes_a_topic_and_readers_see_it_on_its_page():
    make_article("Harbour Visits", sections=[{"heading": "Port calls", "tags": ["Naval"]}])
    make_article("Fleet Reviews", sections=[{"heading": "Reviews", "tags": ["Naval"]}])
    editor = Client()
    editor.force_login(make_editor())
    naval = Tag.objects.get(name="Naval")

    response = editor.post(
        reverse("admin:articles_topicdescription_add"),
        {"tag": naval.pk, "text": "Navies calling on each other's ports."},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert TopicDescription.objects.get(tag=naval).text == "Navies calling on each other's ports."
    page = Client().get(reverse("articles:tag", kwargs={"slug": "naval"})).content.decode()
    assert "Navies calling on each other" in page


def test_a_staff_account_without_permissions_cannot_describe_topics():
    from django.contrib.auth.models import User

    staff = User.objects.create_user("staff", password="x-pass-123", is_staff=True)
    client = Client()
    client.force_login(staff)

    assert client.get(reverse("admin:articles_topicdescription_add")).status_code == 403
