"""Small helpers that make content for tests, through the same save paths as the site."""

import itertools
from datetime import timedelta
from html.parser import HTMLParser

from django.contrib.auth.models import User
from django.forms import MultiWidget
from django.utils import timezone
from taggit.utils import edit_string_for_tags

from articles.editorial.roles import ensure_editors_group
from articles.models import Article, Section

_counter = itertools.count(1)


def make_article(
    title=None,
    *,
    status=Article.Status.PUBLISHED,
    published_at=None,
    summary="A lead paragraph about defence cooperation.",
    sections=(),
    tags=(),
    days_ago=1,
):
    """
    An article saved through the model (so derived data is built). ``sections``
    is a list of dicts with heading/body and optional level/tags.
    """
    n = next(_counter)
    if published_at is None and status == Article.Status.PUBLISHED:
        published_at = timezone.now() - timedelta(days=days_ago, minutes=n)
    article = Article.objects.create(
        title=title or f"Test article {n}",
        summary=summary,
        status=status,
        published_at=published_at,
    )
    for position, spec in enumerate(sections):
        make_section(article, position=position, **spec)
    if tags:
        article.tags.set(list(tags))
    return article


def make_section(article, *, heading, body="Some text.", level=2, position=None, tags=()):
    if position is None:
        position = article.sections.count()
    section = Section.objects.create(
        article=article, heading=heading, body=body, level=level, position=position
    )
    if tags:
        section.tags.set(list(tags))
    return section


def make_editor(username="editor", password="editor-pass-123"):
    """A staff user in the Editors group (not a superuser)."""
    user = User.objects.create_user(username=username, password=password, is_staff=True)
    user.groups.add(ensure_editors_group())
    return user


class _OpenedValues(HTMLParser):
    """The hidden ``initial-…`` inputs of a page: the values its fields were opened with."""

    def __init__(self):
        super().__init__()
        self.data = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and (attrs.get("name") or "").startswith("initial-"):
            self.data[attrs["name"]] = attrs.get("value") or ""


def admin_form_data(response):
    """
    The POST data an admin change form (with its inlines) would send back
    unchanged, with the values it was opened with, as a browser sends them.
    """
    parser = _OpenedValues()
    parser.feed(response.content.decode())
    data = dict(parser.data)
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            key = form.add_prefix(name)
            value = form[name].value()
            if isinstance(field.widget, MultiWidget):
                if isinstance(value, list):
                    data.update({f"{key}_{i}": part for i, part in enumerate(value) if part})
                elif value:
                    local = timezone.localtime(value)
                    data[f"{key}_0"] = local.strftime("%Y-%m-%d")
                    data[f"{key}_1"] = local.strftime("%H:%M:%S.%f")
                continue
            if value is None or value is False:
                continue
            if name == "tags" and not isinstance(value, str):
                value = edit_string_for_tags(value)
            data[key] = "on" if value is True else value
    return data
