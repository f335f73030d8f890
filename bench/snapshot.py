"""
python -m bench.snapshot --out DIR [--per-page N]

Writes the HTML (and XML, text) of every public page of the site, as an
anonymous reader gets it, for the project's three source texts: so that a
change meant to keep the pages as they are can be checked with ``diff -r``.

A scratch SQLite database in a temporary folder is migrated and the sources
are imported into it (the developer's ``db.sqlite3`` is never opened). The
import dates the articles with the clock; those dates are then replaced by
fixed ones in the same order, so two runs give the same bytes.

The pages are found by following every link of the site from the home page,
the sitemap and the feeds, plus robots.txt, a page past the end of the list
and an address that does not exist (the 404 page). Each one is written to a
file named after its address (``index.html`` for a folder, ``@`` before a
query string); ``pages.txt`` lists every address with its status and type.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "articles" / "sources" / "texts"
# The first article's publication date; the next ones follow a day apart.
FIXED_DATE = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

# Seeds besides the links found: what no page links to.
EXTRA_ADDRESSES = ["/robots.txt", "/sitemap.xml", "/articles/?page=999", "/no/such/page/"]
# Never public, or not the reading side's (the search pages have their own tests).
SKIPPED_PREFIXES = ("/admin/", "/preview/", "/static/", "/search/", "/healthz")
LINK = re.compile(r'(?:href|action)="([^"]*)"|<loc>([^<]*)</loc>')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.snapshot", description=__doc__)
    parser.add_argument("--out", required=True, type=Path, help="folder to write (replaced)")
    parser.add_argument(
        "--per-page",
        type=int,
        default=None,
        help="articles per list page (default: the site's setting); a small value "
        "shows the later pages of the lists too",
    )
    return parser.parse_args(argv)


def set_up_django(database_path):
    os.environ["DJANGO_SETTINGS_MODULE"] = "milcoop_site.test_settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{database_path}"
    os.environ.pop("REDIS_URL", None)  # the page cache in this process's memory
    os.environ.setdefault("SECRET_KEY", "snapshot")
    os.environ["DEBUG"] = "false"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client's host name in


def build_site():
    from django.core.management import call_command
    from django.db.models import F

    from articles.models import Article

    call_command("migrate", verbosity=0)
    call_command("import_sources", str(SOURCES), verbosity=0, jobs=1)
    # Fixed dates, in the order the import gave (ties by creation order).
    for rank, pk in enumerate(
        Article.objects.order_by("published_at", "pk").values_list("pk", flat=True)
    ):
        when = FIXED_DATE + timedelta(days=rank)
        Article.objects.filter(pk=pk).update(
            published_at=when, created_at=when, updated_at=when + timedelta(hours=1)
        )
    assert not Article.objects.filter(published_at__gt=F("updated_at")).exists()


def address_of(link, base):
    """The site address a link points to, or None for another site or a skipped one."""
    link, _ = urldefrag(unescape(link))
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        if parts.netloc != "testserver":
            return None
    path = parts.path or urlsplit(base).path
    if not path.startswith("/") or path.startswith(SKIPPED_PREFIXES):
        return None
    return f"{path}?{parts.query}" if parts.query else path


def file_name(address):
    """``/tags/g7/`` → ``tags/g7/index.html``; ``/articles/?page=2`` → ``articles/index@page=2.html``."""
    path, _, query = address.partition("?")
    name = path.lstrip("/")
    if not name or name.endswith("/"):
        name += "index.html"
    if query:
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem}@{query}{dot}{suffix}" if dot else f"{name}@{query}"
    return name


def crawl(client):
    """Every page reachable from the seeds: {address: response}."""
    from django.core.cache import cache

    pending = ["/", "/feed/", *EXTRA_ADDRESSES]
    found = {}
    while pending:
        address = pending.pop(0)
        if address in found:
            continue
        cache.clear()  # the page itself, never a stored copy
        response = client.get(address)
        found[address] = response
        if response.status_code != 200:
            continue
        for match in LINK.finditer(response.content.decode()):
            link = next(group for group in match.groups() if group is not None)
            target = address_of(link, address)
            if target is not None and target not in found:
                pending.append(target)
    return found


def write(pages, out):
    if out.exists():
        shutil.rmtree(out)
    listing = []
    for address in sorted(pages):
        response = pages[address]
        target = out / unquote(file_name(address))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(response.content)
        listing.append(f"{address}\t{response.status_code}\t{response['Content-Type']}\n")
    (out / "pages.txt").write_text("".join(listing))


def main(argv=None):
    args = parse_args(argv)
    out = args.out.resolve()
    with tempfile.TemporaryDirectory(prefix="milcoop-snapshot-") as scratch:
        set_up_django(Path(scratch) / "snapshot.sqlite3")
        from django.conf import settings
        from django.test import Client

        if args.per_page:
            settings.ARTICLES_PER_PAGE = args.per_page
        build_site()
        pages = crawl(Client())
        write(pages, out)
    print(f"{len(pages)} pages written to {out}")


if __name__ == "__main__":
    main()
