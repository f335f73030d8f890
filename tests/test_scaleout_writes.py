"""
Every kind of write an editor or an operator makes, on several processes
(issue 15): create, edit a body, rename, retag, merge tags, publish,
unpublish, schedule, delete, revert, import. Every worker first serves the
pages that show the article from the cache; after the write, the very next
request each worker serves for each of those pages shows the change (or 404s
for a withdrawn article); after a body edit, the pages that do not show the
body are still served from the cache.

Two setups, each started once for the module: two gunicorn workers on the
embedded default, written to from ``manage.py shell``; two instances sharing
PostgreSQL and Redis, written to through instance A's admin (the change
form, the publishing actions, delete, restore from the history). On both,
the new article is made in the shell, the tag merge goes through the
editorial service and the import through ``manage.py import_sources``.
Each write has an article of its own, a copy of a source imported with the
sources, so that no write depends on another having run.
"""

import os
import re
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from http.client import HTTPResponse

import pytest
from django.utils import timezone

from . import servers, test_scaleout
from .servers import manage, postgres_answers, redis_answers
from .test_scaleout import (
    from_every_worker,
    in_the_shell,
    log_in,
    replace_field,
    served_from_the_cache,
    tags_by_use,
)

pytestmark = pytest.mark.scaleout

collected_static = test_scaleout.collected_static

SOURCES = servers.ROOT / "articles" / "sources" / "texts"

# The writes that get an article of their own, a copy of a source; the
# publish test's copy is imported as a draft.
OWN_ARTICLE = [
    *("edit body", "rename", "retag", "unpublish", "schedule", "delete", "revert", "import"),
    "publish",
]


def copy_name(kind):
    return f"9{OWN_ARTICLE.index(kind):02d}_{kind.replace(' ', '_')}.txt"


def source_copy(kind, *, title=None, marker=None):
    """The text of ``kind``'s copy: a source with its own title (and a marked word)."""
    sources = sorted(SOURCES.glob("*.txt"))
    original = sources[OWN_ARTICLE.index(kind) % len(sources)].read_text(encoding="utf-8")
    first, rest = original.split("\n", 1)
    if marker:
        rest = re.sub(r"\b([A-Za-z]{6,})\b", rf"\g<1>{marker}", rest, count=1)
    return f"{title or f'{first} ({kind})'}\n{rest}"


@dataclass
class Site:
    """One setup: its gunicorn servers, database, environment and editor."""

    kind: str
    servers: list
    database: object
    env: dict
    directory: object
    password: str = ""
    _editor: object = field(default=None, repr=False)

    @property
    def shared(self):
        return self.kind == "shared"

    def editor(self):
        """A logged-in admin session on the first instance."""
        if self._editor is None:
            self._editor = log_in(self.servers[0], self.password)
        return self._editor

    def shell(self, code):
        in_the_shell(self.env, code)

    def article(self, kind):
        """(id, slug, title) of the article made for ``kind``."""
        [row] = self.database.query(
            "SELECT id, slug, title FROM articles_article WHERE source_file = ?", copy_name(kind)
        )
        return row

    def article_pages(self):
        rows = self.database.query(
            "SELECT slug FROM articles_article WHERE status = 'published' ORDER BY slug"
        )
        return [f"/articles/{slug}/" for (slug,) in rows]

    def tag_pages(self, article_id, *, limit=2):
        """The pages of (up to ``limit``) tags on the article and on its passages."""
        rows = self.database.query(
            """
            SELECT DISTINCT t.slug FROM taggit_tag t
            LEFT JOIN articles_taggedarticle ta ON ta.tag_id = t.id
            LEFT JOIN articles_taggedsection ts ON ts.tag_id = t.id
            LEFT JOIN articles_section s ON s.id = ts.content_object_id
            WHERE ta.content_object_id = ? OR s.article_id = ?
            ORDER BY t.slug LIMIT ?
            """,
            article_id,
            article_id,
            limit,
        )
        return [f"/tags/{slug}/" for (slug,) in rows]

    def prime(self, paths):
        """Every worker of every instance serves each of ``paths`` from the cache."""
        for server in self.servers:
            for path in paths:
                from_every_worker(server, path, until=served_from_the_cache)

    def may_show(self, article_id, page):
        """
        The pages that may show an article besides its own (the lists show the
        newest only): the lists, other articles' pages, its tags' pages.
        """
        others = [path for path in self.article_pages() if path != page]
        return ["/articles/", "/", *others, *self.tag_pages(article_id)]

    def pages_showing(self, text, paths, *, limit=4):
        """Up to ``limit`` of ``paths`` whose page (as instance A serves it now) holds ``text``."""
        found = []
        for path in paths:
            if len(found) < limit and text in self.servers[0].get(path)[2]:
                found.append(path)
        assert found, f"no page of {paths} shows {text!r}"
        return found

    def next_answers(self, path):
        """The very next answer of each worker of each instance to GET ``path``."""
        answers = {}
        for server in self.servers:
            for pid, answer in one_request_per_worker(server, path).items():
                answers[f"{server.name} worker {pid}"] = answer
        return answers


def one_request_per_worker(server, path):
    """
    GET ``path`` once from each of the server's workers, one after the other:
    all but one of the requests are sent without their last line, which keeps
    the (sync) worker that accepted each waiting for it, so the next request
    goes to a worker that is free; then they are finished one at a time.
    """
    host = f"127.0.0.1:{server.port}"
    head = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    held = []
    try:
        for _ in range(server.workers - 1):
            connection = socket.create_connection(("127.0.0.1", server.port), timeout=15)
            connection.sendall(head.encode())
            held.append(connection)
        answers = [server.get(path)]
        for connection in held:
            connection.sendall(b"\r\n")
            response = HTTPResponse(connection)
            response.begin()
            headers = {name.lower(): value for name, value in response.getheaders()}
            answers.append((response.status, headers, response.read().decode("utf-8", "replace")))
    finally:
        for connection in held:
            connection.close()
    by_worker = {int(headers["x-worker-pid"]): (s, headers, b) for s, headers, b in answers}
    assert sorted(by_worker) == server.worker_pids(), "each worker should have answered once"
    return by_worker


def assert_next_answers(site, paths, check, what):
    for path in paths:
        for worker, (status, headers, body) in site.next_answers(path).items():
            assert check(status, headers, body), (
                f"{what}: {path} from {site.kind} {worker}: {status}, X-Cache {headers.get('x-cache')}"
            )


def shows(text):
    return lambda status, headers, body: status == 200 and text in body


def does_not_show(text):
    return lambda status, headers, body: status == 200 and text not in body


def renamed(before, after, address=None):
    """
    The page shows no trace of the title ``before`` and names the article
    ``after``; given its ``address``, only where it still links it (the
    ranking of related passages may change with the write).
    """

    def check(status, headers, body):
        return (
            status == 200
            and before not in body
            and (after in body or address is not None and address not in body)
        )

    return check


def is_gone(status, headers, body):
    return status == 404


# --- Setups ---------------------------------------------------------------------------


def write_copies(directory):
    """
    Each write's own article, a copy of a source: the folder of those to import
    with the sources, and that of the publish test's, to import as a draft.
    """
    published, drafts = directory / "copies", directory / "drafts"
    published.mkdir()
    drafts.mkdir()
    for kind in OWN_ARTICLE:
        folder = drafts if kind == "publish" else published
        (folder / copy_name(kind)).write_text(source_copy(kind), encoding="utf-8")
    return published, drafts


@pytest.fixture(scope="module", params=["embedded", "shared"])
def site(request, tmp_path_factory, collected_static):
    directory = tmp_path_factory.mktemp(request.param)
    copies, drafts = write_copies(directory)
    sources = (SOURCES, copies)
    if request.param == "embedded":
        with servers.embedded_site(directory, static_root=collected_static, sources=sources) as (
            server,
            database,
            env,
        ):
            manage("import_sources", "-v0", "--draft", str(drafts), env=env, check=True)
            yield Site("embedded", [server], database, env, directory)
        return
    if not (postgres_answers() and redis_answers()):
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    name = os.environ.get("SCALEOUT_DATABASE", f"milcoop_scaleout_{os.getpid()}")
    with servers.shared_site(
        directory,
        static_root=collected_static,
        database_name=f"{name}_writes",
        redis_url=test_scaleout.REDIS_URL,
        settings_module="tests.worker_settings",
        sources=sources,
    ) as shared:
        manage("import_sources", "-v0", "--draft", str(drafts), env=shared["env"], check=True)
        yield Site(
            "shared",
            [shared["a"], shared["b"]],
            shared["database"],
            shared["env"],
            directory,
            password=shared["password"],
        )


# --- The admin, as an editor uses it ----------------------------------------------------


def change_article(site, article_id, edit):
    """Open the article's change form on instance A, ``edit`` its fields, save."""
    editor = site.editor()
    change = f"/admin/articles/article/{article_id}/change/"
    fields = edit(editor.form(change, form_id="article_form"))
    status, _, text = editor.post(change, [*fields, ("_save", "Save")])
    assert status == 302, f"the change form did not save: {status}\n{text[:3000]}"


def saved_as_it_is(site, article_id):
    # The form keeps the date to the second, which the import did not: a
    # first save changes the date (which lists show), so it comes before priming.
    change_article(site, article_id, lambda fields: fields)


def article_action(site, article_id, action, extra=()):
    editor = site.editor()
    changelist = "/admin/articles/article/"
    status, _, text = editor.post(
        changelist,
        [
            ("csrfmiddlewaretoken", editor.cookies["csrftoken"].value),
            ("action", action),
            ("_selected_action", str(article_id)),
            *extra,
        ],
    )
    assert status == 302, f"{action} did not go through: {status}\n{text[:3000]}"


def edit_first_plain_body(fields, marker):
    """The first passage body with no cross-reference in it, its first long word marked."""
    name, body = next(
        (key, value) for key, value in fields if key.endswith("-body") and "[[" not in value
    )
    word = next(word for word in body.split() if word.isalpha() and len(word) >= 5)
    return replace_field(fields, name, body.replace(word, word + marker, 1))


# The shell's version of the same edit.
BODY_EDIT = (
    "import re; from articles.models import Section; "
    "s = Section.objects.filter(article_id={id}).exclude(body__contains='[[')"
    ".order_by('position').first(); "
    "s.body = re.sub(r'\\b([A-Za-z]{{5,}})\\b', r'\\g<1>{marker}', s.body, count=1); s.save()"
)


# --- The writes -----------------------------------------------------------------------


def marker():
    return f"zq{uuid.uuid4().hex[:8]}"


def write_create(site):
    title = f"Created {marker()}"
    slug = title.lower().replace(" ", "-")
    tag_page = site.tag_pages(site.article("edit body")[0])[0]
    tag_slug = tag_page.split("/")[2]
    lists = ["/", "/articles/", tag_page]
    site.prime(lists)
    assert all(status == 404 for status, _, _ in site.next_answers(f"/articles/{slug}/").values())

    site.shell(
        "from django.utils import timezone; from taggit.models import Tag; "
        "from articles.models import Article, Section; "
        f"a = Article.objects.create(title={title!r}, slug={slug!r}, summary='A new lead.', "
        "status='published', published_at=timezone.now()); "
        "s = Section.objects.create(article=a, heading='A new passage', position=0, "
        "body='What the new article says.'); "
        f"s.tags.add(Tag.objects.get(slug={tag_slug!r}))"
    )

    assert_next_answers(site, [f"/articles/{slug}/", *lists], shows(title), "created")


def write_edit_body(site):
    article_id, slug, _ = site.article("edit body")
    page = f"/articles/{slug}/"
    if site.shared:
        saved_as_it_is(site, article_id)
    # Other articles' pages that link it (they show its title, not its body).
    others = site.pages_showing(page, [path for path in site.article_pages() if path != page])
    unshown = [page, *others, "/", "/articles/", "/tags/", *site.tag_pages(article_id)]
    site.prime(unshown)

    mark = marker()
    if site.shared:
        change_article(site, article_id, lambda fields: edit_first_plain_body(fields, mark))
    else:
        site.shell(BODY_EDIT.format(id=article_id, marker=mark))

    assert_next_answers(site, [page], shows(mark), "the edited body")
    assert_next_answers(
        site, unshown[1:], served_from_the_cache, "a page not showing the body is still cached"
    )


def write_rename(site):
    article_id, slug, old_title = site.article("rename")
    page = f"/articles/{slug}/"
    if site.shared:
        saved_as_it_is(site, article_id)
    candidates = site.may_show(article_id, page)
    linking = site.pages_showing(old_title, candidates)
    site.prime([page, *linking])

    title = f"Renamed {marker()}"
    if site.shared:
        change_article(site, article_id, lambda fields: replace_field(fields, "title", title))
    else:
        site.shell(
            "from articles.models import Article; "
            f"a = Article.objects.get(pk={article_id}); a.title = {title!r}; a.save()"
        )

    assert_next_answers(site, [page], renamed(old_title, title), "the new title")
    assert_next_answers(site, linking, renamed(old_title, title, page), "a link's new title")


def write_retag(site):
    article_id, slug, _ = site.article("retag")
    page = f"/articles/{slug}/"
    if site.shared:
        saved_as_it_is(site, article_id)
    name = f"Retagged {marker()}"
    tag_page = f"/tags/{name.lower().replace(' ', '-')}/"
    watched = [page, "/tags/"]
    site.prime(watched)
    assert all(status == 404 for status, _, _ in site.next_answers(tag_page).values())

    if site.shared:

        def add_tag(fields):
            tags = next(value for key, value in fields if key == "tags")
            return replace_field(fields, "tags", f"{tags}, {name}" if tags else name)

        change_article(site, article_id, add_tag)
    else:
        site.shell(
            f"from articles.models import Article; Article.objects.get(pk={article_id}).tags.add({name!r})"
        )

    assert_next_answers(site, watched, shows(tag_page), "the new tag")
    assert_next_answers(site, [tag_page], shows(page), "the tag's page")


def write_merge_tags(site):
    rows = tags_by_use(site.database)
    # The two most used tags: the merge that changes most pages.
    (keep_id, keep_slug, _), (gone_id, gone_slug, _) = rows[0], rows[1]
    gone, keep = f"/tags/{gone_slug}/", f"/tags/{keep_slug}/"
    carrying = site.pages_showing(gone, site.article_pages())
    site.prime([gone, keep, "/tags/", *carrying])
    listed_under_gone = re.findall(r'href="(/articles/[^"/]+/)"', site.servers[0].get(gone)[2])

    site.shell(
        "from taggit.models import Tag; from articles.editorial.tags import merge_tags; "
        f"merge_tags(tags=[Tag.objects.get(pk={gone_id})], into=Tag.objects.get(pk={keep_id}))"
    )

    assert_next_answers(site, [gone], is_gone, "the merged tag")
    assert_next_answers(
        site,
        [keep],
        lambda status, headers, body: status == 200
        and all(path in body for path in listed_under_gone),
        "the tag merged into",
    )
    assert_next_answers(
        site,
        ["/tags/", *carrying],
        lambda status, headers, body: status == 200 and gone not in body and keep in body,
        "the merged tag's links",
    )


def write_publish(site):
    article_id, slug, title = site.article("publish")
    page = f"/articles/{slug}/"
    lists = ["/", "/articles/"]
    site.prime(lists)
    assert all(status == 404 for status, _, _ in site.next_answers(page).values())

    if site.shared:
        article_action(site, article_id, "publish_articles")
    else:
        site.shell(
            "from articles.content.publishing import publish; from articles.models import Article; "
            f"publish(article=Article.objects.get(pk={article_id}))"
        )

    assert_next_answers(site, [page, *lists], shows(title), "the published article")


def withdrawn(site, kind, withdraw):
    """Prime the pages showing ``kind``'s article, ``withdraw`` it, check it is gone from all."""
    article_id, slug, title = site.article(kind)
    page = f"/articles/{slug}/"
    candidates = site.may_show(article_id, page)
    linking = site.pages_showing(page, candidates)
    site.prime([page, *linking])

    withdraw(article_id)

    assert_next_answers(site, [page], is_gone, f"the {kind} article's page")
    assert_next_answers(site, linking, does_not_show(page), f"a link ({kind})")


def write_unpublish(site):
    def unpublish(article_id):
        if site.shared:
            article_action(site, article_id, "unpublish_articles")
        else:
            site.shell(
                "from articles.content.publishing import unpublish; "
                "from articles.models import Article; "
                f"unpublish(article=Article.objects.get(pk={article_id}))"
            )

    withdrawn(site, "unpublish", unpublish)


def write_schedule(site):
    def schedule(article_id):
        if site.shared:
            when = timezone.localtime() + timedelta(days=1)
            article_action(
                site,
                article_id,
                "schedule_articles",
                [
                    ("published_at_0", f"{when:%Y-%m-%d}"),
                    ("published_at_1", f"{when:%H:%M}"),
                    ("apply", "Schedule"),
                ],
            )
        else:
            site.shell(
                "from datetime import timedelta; from django.utils import timezone; "
                "from articles.content.publishing import schedule; "
                "from articles.models import Article; "
                f"schedule(articles=[Article.objects.get(pk={article_id})], "
                "when=timezone.now() + timedelta(days=1))"
            )

    withdrawn(site, "schedule", schedule)


def write_delete(site):
    def delete(article_id):
        if site.shared:
            editor = site.editor()
            path = f"/admin/articles/article/{article_id}/delete/"
            editor.get(path)
            status, _, text = editor.post(
                path, [("csrfmiddlewaretoken", editor.cookies["csrftoken"].value), ("post", "yes")]
            )
            assert status == 302, f"the delete did not go through: {status}\n{text[:3000]}"
        else:
            site.shell(
                f"from articles.models import Article; Article.objects.get(pk={article_id}).delete()"
            )

    withdrawn(site, "delete", delete)


def write_revert(site):
    article_id, slug, first_title = site.article("revert")
    page = f"/articles/{slug}/"
    title, mark = f"Revised {marker()}", marker()
    if site.shared:
        saved_as_it_is(site, article_id)
        change_article(
            site,
            article_id,
            lambda fields: replace_field(edit_first_plain_body(fields, mark), "title", title),
        )
    else:
        site.shell(
            "import reversion; from articles.models import Article; "
            f"a = Article.objects.get(pk={article_id})\n"
            "with reversion.create_revision(): a.save()\n"
            "with reversion.create_revision():\n"
            f"    a.title = {title!r}; a.save()\n"
            "    " + BODY_EDIT.format(id=article_id, marker=mark)
        )
    candidates = site.may_show(article_id, page)
    linking = site.pages_showing(title, candidates)
    assert shows(mark)(*site.servers[0].get(page))
    site.prime([page, *linking])
    # The article's first version: as it was before the revision.
    [(first_version,)] = site.database.query(
        """
        SELECT v.id FROM reversion_version v JOIN django_content_type c ON c.id = v.content_type_id
        WHERE c.app_label = 'articles' AND c.model = 'article' AND v.object_id = ?
        ORDER BY v.id LIMIT 1
        """,
        str(article_id),
    )

    if site.shared:
        editor = site.editor()
        path = f"/admin/articles/article/{article_id}/history/{first_version}/restore/"
        status, _, text = editor.post(
            path, [("csrfmiddlewaretoken", editor.cookies["csrftoken"].value)]
        )
        assert status == 302, f"the revert did not go through: {status}\n{text[:3000]}"
    else:
        site.shell(
            "from django.db import transaction; from reversion.models import Version; "
            "from articles.editorial.versions import restore_version\n"
            "with transaction.atomic():\n"
            f"    restore_version(version=Version.objects.get(pk={first_version}))"
        )

    assert_next_answers(
        site,
        [page],
        lambda status, headers, body: shows(first_title)(status, headers, body)
        and mark not in body
        and title not in body,
        "the reverted article",
    )
    assert_next_answers(site, linking, renamed(title, first_title, page), "a link's reverted title")


def write_import(site):
    article_id, slug, old_title = site.article("import")
    page = f"/articles/{slug}/"
    candidates = site.may_show(article_id, page)
    linking = site.pages_showing(old_title, candidates)
    site.prime([page, *linking])

    title, mark = f"Imported {marker()}", marker()
    changed = site.directory / "changed"
    changed.mkdir()
    (changed / copy_name("import")).write_text(
        source_copy("import", title=title, marker=mark), encoding="utf-8"
    )
    # --force: the tag merge before it changed this article's tags too, and an
    # import leaves an article an editor changed alone unless told.
    manage("import_sources", "-v0", "--force", str(changed), env=site.env, check=True)

    assert_next_answers(
        site,
        [page],
        lambda *answer: shows(mark)(*answer) and renamed(old_title, title)(*answer),
        "the imported body and title",
    )
    assert_next_answers(site, linking, renamed(old_title, title, page), "a link's imported title")


WRITES = {
    "create": write_create,
    "edit body": write_edit_body,
    "rename": write_rename,
    "retag": write_retag,
    "merge tags": write_merge_tags,
    "publish": write_publish,
    "unpublish": write_unpublish,
    "schedule": write_schedule,
    "delete": write_delete,
    "revert": write_revert,
    "import": write_import,
}


@pytest.mark.parametrize("write", list(WRITES))
def test_the_pages_showing_an_article_are_fresh_on_every_worker_after(site, write):
    WRITES[write](site)
