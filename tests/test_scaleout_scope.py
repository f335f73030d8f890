"""
Invalidation scoped to what changed, on several processes (issue 15, item 3):
two gunicorn workers of the embedded default with the content written from a
separate shell, and two instances sharing PostgreSQL and Redis with the content
changed through instance A's admin. After a body edit the edited article's
page is fresh everywhere at once while pages not showing its body stay cached;
after a title change the pages that link it are fresh; after an unpublish it is
404 everywhere and gone from the lists.
"""

import uuid

import pytest

from . import test_scaleout
from .test_scaleout import (
    from_every_worker,
    in_the_shell,
    log_in,
    needs_postgres_and_redis,
    replace_field,
    served_from_the_cache,
)

# The fixtures of the scale-out tests, for these too.
collected_static = test_scaleout.collected_static
embedded_site = test_scaleout.embedded_site
shared_site = test_scaleout.shared_site

pytestmark = pytest.mark.scaleout

# A section body with no cross-reference in it, its first long word made longer:
# the body changes, its word count and its references do not.
BODY_EDIT = (
    "import re; from articles.models import Section; "
    "s = Section.objects.filter(article__slug={slug!r}).exclude(body__contains='[[')"
    ".order_by('position').first(); "
    "s.body = re.sub(r'\\b([A-Za-z]{{5,}})\\b', r'\\g<1>{marker}', s.body, count=1); s.save()"
)


def every_answer(answers, check):
    return all(check(*answer) for found in answers.values() for answer in found)


def test_a_body_edit_leaves_every_other_page_cached_on_every_worker(embedded_site):
    server, database, env = embedded_site
    (slug,), (other,), *_ = database.query("SELECT slug FROM articles_article ORDER BY id")
    pages = [f"/articles/{slug}/", f"/articles/{other}/", "/", "/articles/", "/tags/"]
    for path in pages:
        from_every_worker(server, path, until=served_from_the_cache)

    marker = f"zq{uuid.uuid4().hex[:8]}"
    in_the_shell(env, BODY_EDIT.format(slug=slug, marker=marker))

    fresh = from_every_worker(server, pages[0])
    assert every_answer(fresh, lambda status, headers, body: marker in body)
    for path in pages[1:]:
        assert every_answer(from_every_worker(server, path), served_from_the_cache), path


def test_a_title_change_refreshes_the_pages_that_link_it_on_every_worker(embedded_site):
    server, database, env = embedded_site
    (slug,), (other,), *_ = database.query("SELECT slug FROM articles_article ORDER BY id")
    for path in (f"/articles/{other}/", "/articles/"):
        from_every_worker(server, path, until=served_from_the_cache)

    title = f"Renamed {uuid.uuid4().hex[:8]}"
    in_the_shell(
        env,
        "from articles.models import Article; "
        f"a = Article.objects.get(slug={slug!r}); a.title = {title!r}; a.save()",
    )
    for path in ("/articles/", f"/articles/{other}/"):
        answers = from_every_worker(server, path)
        assert every_answer(answers, lambda status, headers, body: title in body), path


@needs_postgres_and_redis
def test_edits_on_instance_a_refresh_only_what_they_change_on_instance_b(shared_site):
    a, b, database = shared_site["a"], shared_site["b"], shared_site["database"]
    (article_id, slug), (_, other), *_ = database.query(
        "SELECT id, slug FROM articles_article WHERE status = 'published' ORDER BY slug",
    )
    page, other_page = f"/articles/{slug}/", f"/articles/{other}/"
    watched = [page, other_page, "/", "/articles/", "/tags/"]
    editor = log_in(a, shared_site["password"])
    change = f"/admin/articles/article/{article_id}/change/"

    def save(edit):
        fields = edit(editor.form(change, form_id="article_form"))
        status, _, text = editor.post(change, [*fields, ("_save", "Save")])
        assert status == 302, f"the change form did not save: {status}\n{text[:3000]}"

    # Saved once as it is: the form keeps the date to the second, which the
    # import did not (a real change of the date, which lists show).
    save(lambda fields: fields)
    for path in watched:
        b.get(path)
        assert b.get(path)[1]["x-cache"] == "hit", path

    # A body edit: the article's page is fresh on B; the others stay hits.
    marker = f"zq{uuid.uuid4().hex[:8]}"

    def edit_body(fields):
        name, body = next(
            (key, value) for key, value in fields if key.endswith("-body") and "[[" not in value
        )
        first_word = next(word for word in body.split() if word.isalpha() and len(word) >= 5)
        return replace_field(fields, name, body.replace(first_word, first_word + marker, 1))

    save(edit_body)
    status, headers, text = b.get(page)
    assert (status, headers["x-cache"]) == (200, "miss") and marker in text
    for path in watched[1:]:
        assert b.get(path)[1]["x-cache"] == "hit", path

    # A title change: the pages that link or list it are fresh on B.
    title = f"Renamed {uuid.uuid4().hex[:8]}"
    save(lambda fields: replace_field(fields, "title", title))
    for path in (other_page, "/", "/articles/"):
        status, headers, text = b.get(path)
        assert headers["x-cache"] == "miss" and title in text, path

    # An unpublish: 404 on B at once, gone from every list.
    save(lambda fields: replace_field(fields, "status", "draft"))
    assert b.get(page)[0] == 404
    for path in (other_page, "/", "/articles/"):
        status, headers, text = b.get(path)
        assert status == 200 and page not in text and title not in text, path
