"""
Several processes serving one site: a change made in any of them (an admin
save, a management command, the shell) is on every other one's very next page,
although it had that page cached a moment before.

- Two gunicorn workers on the embedded default (SQLite, no Redis), the content
  written by a separate ``manage.py shell``.
- Two gunicorn instances sharing one PostgreSQL database and one Redis cache,
  the content changed through instance A's admin.
"""

import os
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from . import servers
from .servers import (
    collect_static,
    http_request,
    manage,
    postgres_answers,
    redis_answers,
)

REDIS_URL = os.environ.get("SCALEOUT_REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = pytest.mark.scaleout
needs_postgres_and_redis = pytest.mark.skipif(
    not (postgres_answers() and redis_answers()),
    reason="needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379",
)


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    return collect_static(tmp_path_factory.mktemp("static"))


# --- Two workers on the embedded default -------------------------------------------


@pytest.fixture
def embedded_site(tmp_path, collected_static):
    """Two gunicorn workers on the embedded default (see ``servers.embedded_site``)."""
    with servers.embedded_site(tmp_path, static_root=collected_static) as site:
        yield site


def from_every_worker(server, path, *, until=lambda status, headers, body: True):
    """
    GET ``path``, four requests at a time (so that both workers take some),
    until every worker has given an answer that ``until`` accepts. Every answer,
    as (status, headers, body), by worker pid.
    """
    workers = set(server.worker_pids())
    answers = defaultdict(list)
    with ThreadPoolExecutor(4) as pool:
        for _ in range(100):
            for answer in pool.map(lambda _: server.get(path), range(4)):
                answers[int(answer[1]["x-worker-pid"])].append(answer)
            if all(any(until(*answer) for answer in answers[pid]) for pid in workers):
                return answers
    seen = {pid: [(s, h.get("x-cache")) for s, h, _ in found] for pid, found in answers.items()}
    raise AssertionError(f"not every worker of {sorted(workers)} answered as wanted: {seen}")


def served_from_the_cache(status, headers, body):
    return status == 200 and headers.get("x-cache") == "hit"


def in_the_shell(env, code):
    """Run ``code`` in ``manage.py shell``: another process than the site's workers."""
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_article_unpublished_from_the_shell_is_gone_from_every_worker_at_once(
    embedded_site,
):
    server, database, env = embedded_site
    [(slug,)] = database.query("SELECT slug FROM articles_article ORDER BY id LIMIT 1")
    page = f"/articles/{slug}/"
    from_every_worker(server, page, until=served_from_the_cache)

    in_the_shell(
        env,
        "from articles.content.publishing import unpublish; "
        "from articles.models import Article; "
        f"unpublish(article=Article.objects.get(slug={slug!r}))",
    )

    answers = from_every_worker(server, page)
    statuses = {pid: [status for status, _, _ in found] for pid, found in answers.items()}
    assert all(status == 404 for found in statuses.values() for status in found), statuses


def test_an_article_rescheduled_from_the_shell_leaves_every_other_page_at_once(embedded_site):
    server, database, env = embedded_site
    (slug,), (other_slug,), *_ = database.query("SELECT slug FROM articles_article ORDER BY id")
    address = f"/articles/{slug}/"
    other_page = f"/articles/{other_slug}/"

    def shows_the_article(status, headers, body):
        return served_from_the_cache(status, headers, body) and address in body

    # The other article's page lists passages of this one (related passages).
    from_every_worker(server, other_page, until=shows_the_article)

    in_the_shell(
        env,
        "from datetime import timedelta; from django.utils import timezone; "
        "from articles.content.publishing import schedule; "
        "from articles.models import Article; "
        f"schedule(articles=[Article.objects.get(slug={slug!r})], "
        "when=timezone.now() + timedelta(days=1))",
    )

    answers = from_every_worker(server, other_page)
    for pid, found in answers.items():
        for status, headers, body in found:
            assert status == 200, (pid, status)
            assert address not in body, f"worker {pid} ({headers.get('x-cache')}) still links it"
    assert all(
        status == 404
        for found in from_every_worker(server, address).values()
        for status, _, _ in found
    )


# --- Two instances sharing PostgreSQL and Redis ------------------------------------


class FormFields(HTMLParser):
    """The fields one <form> would submit, as (name, value) pairs."""

    def __init__(self, form_id=None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.fields = []
        self._in_form = False
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = self.form_id is None or attrs.get("id") == self.form_id
        if not self._in_form or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append(
                (attrs["name"], attrs.get("value", "on" if kind == "checkbox" else ""))
            )
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
        elif tag == "select":
            self._select = [attrs["name"], None, "multiple" in attrs]
        elif tag == "option" and self._select is not None and "selected" in attrs:
            self.fields.append((self._select[0], attrs.get("value", "")))
            self._select[1] = True

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # The HTML parser drops the newline that follows <textarea>; so does a browser.
            self.fields.append((self._textarea[0], self._textarea[1]))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


class Browser:
    """Just enough of a browser for the admin: cookies, CSRF, forms. No redirects followed."""

    def __init__(self, base):
        self.base = base
        self.cookies = SimpleCookie()

    def request(self, method, path, data=None):
        headers = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.base + path
            headers["Origin"] = self.base
        status, response_headers, text = http_request(
            self.base, method, path, body=body, headers=headers
        )
        for line in response_headers.get("set-cookie", "").split("\n"):
            if line:
                self.cookies.load(line)
        return status, response_headers, text

    def get(self, path):
        return self.request("GET", path)

    def form(self, path, form_id=None):
        status, _, text = self.get(path)
        assert status == 200, f"GET {path}: {status}\n{text[:2000]}"
        parser = FormFields(form_id)
        parser.feed(text)
        return parser.fields

    def post(self, path, fields):
        return self.request("POST", path, fields)


def replace_field(fields, name, value):
    assert any(key == name for key, _ in fields), f"no field {name!r} in the form"
    return [(key, value if key == name else old) for key, old in fields]


@pytest.fixture
def shared_site(tmp_path, collected_static):
    """Two instances sharing PostgreSQL and Redis (see ``servers.shared_site``)."""
    with servers.shared_site(
        tmp_path,
        static_root=collected_static,
        database_name=os.environ.get("SCALEOUT_DATABASE", f"milcoop_scaleout_{os.getpid()}"),
        redis_url=REDIS_URL,
    ) as site:
        yield site


def tags_by_use(database):
    """(id, slug, uses) of every tag in use, the most used first."""
    return database.query(
        """
        SELECT t.id, t.slug, count(DISTINCT ta.id) + count(DISTINCT ts.id) AS uses
        FROM taggit_tag t
        LEFT JOIN articles_taggedarticle ta ON ta.tag_id = t.id
        LEFT JOIN articles_taggedsection ts ON ts.tag_id = t.id
        GROUP BY t.id, t.slug HAVING count(ta.id) + count(ts.id) > 0
        ORDER BY uses DESC, t.slug
        """,
    )


def log_in(server, password):
    browser = Browser(server.url)
    fields = browser.form("/admin/login/?next=/admin/", form_id="login-form")
    fields = replace_field(fields, "username", "editor")
    fields = replace_field(fields, "password", password)
    status, headers, text = browser.post("/admin/login/?next=/admin/", fields)
    assert status == 302, f"login failed: {status}\n{text[:2000]}"
    return browser


@needs_postgres_and_redis
def test_a_change_saved_on_instance_a_shows_on_instance_b_at_once(shared_site):
    a, b = shared_site["a"], shared_site["b"]
    (article_id, slug), *_ = shared_site["database"].query(
        "SELECT id, slug FROM articles_article WHERE status = 'published' ORDER BY slug",
    )
    page = f"/articles/{slug}/"
    assert b.get(page)[0] == 200
    status, headers, before = b.get(page)
    assert headers["x-cache"] == "hit"  # B holds the page in the shared cache

    editor = log_in(a, shared_site["password"])
    change = f"/admin/articles/article/{article_id}/change/"
    fields = editor.form(change, form_id="article_form")
    marker = f"Scale-out marker {uuid.uuid4().hex[:8]}"
    summary = next(value for key, value in fields if key == "summary")
    fields = replace_field(fields, "summary", f"{marker}.\n\n{summary}")
    fields.append(("_save", "Save"))
    status, headers, text = editor.post(change, fields)
    assert status == 302, f"the change form did not save: {status}\n{text[:3000]}"

    status, headers, after = b.get(page)
    assert status == 200
    assert headers["x-cache"] == "miss"
    assert marker in after and marker not in before


@needs_postgres_and_redis
def test_tags_merged_on_instance_a_show_on_instance_b_at_once(shared_site):
    a, b = shared_site["a"], shared_site["b"]
    rows = tags_by_use(shared_site["database"])
    assert len(rows) >= 2, "the imported sources should carry at least two tags"
    (keep_id, keep_slug, _), (gone_id, gone_slug, _) = rows[0], rows[1]

    for path in (f"/tags/{keep_slug}/", f"/tags/{gone_slug}/"):
        assert b.get(path)[0] == 200
        assert b.get(path)[1]["x-cache"] == "hit"
    keep_before = b.get(f"/tags/{keep_slug}/")[2]

    editor = log_in(a, shared_site["password"])
    changelist = "/admin/taggit/tag/"
    csrf = editor.cookies["csrftoken"].value
    selection = [("_selected_action", str(keep_id)), ("_selected_action", str(gone_id))]
    status, _, text = editor.post(
        changelist,
        [("csrfmiddlewaretoken", csrf), ("action", "merge_tags"), *selection],
    )
    if status == 200 and "Merge into" not in text:
        pytest.xfail("the admin's merge_tags action is not available on this checkout")
    assert status == 200, text[:2000]
    status, _, text = editor.post(
        changelist,
        [
            ("csrfmiddlewaretoken", csrf),
            ("action", "merge_tags"),
            *selection,
            ("target", str(keep_id)),
            ("apply", "Merge"),
        ],
    )
    assert status == 302, f"the merge did not go through: {status}\n{text[:3000]}"

    assert b.get(f"/tags/{gone_slug}/")[0] == 404
    status, headers, keep_after = b.get(f"/tags/{keep_slug}/")
    assert status == 200 and headers["x-cache"] == "miss"
    assert keep_after != keep_before
