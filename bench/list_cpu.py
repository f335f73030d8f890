"""
CPU per request of the uncached home and tag pages, in-process, at several
corpus sizes (issue 15: "uncached home and tag page at most 4 ms CPU",
constant in corpus size).

    .venv/bin/python bench/list_cpu.py [--sizes 3,10000] [--requests 200]

For each size a scratch SQLite database under bench/out/list_cpu/<size>/ is filled by
``import_sources`` from the synthetic corpus (bench/corpus.py) once, and kept
for the next run. The pages are then requested through the Django test client
in a child process, with the page cache taken out of the middleware, and
``time.process_time`` is read around each request:

- steady: many requests in a row, nothing written in between;
- after a write: one request right after a tag is added to a published
  article and the write is committed (what every page pays once after each
  save, when the site's figures are kept per content version).
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import corpus, note  # noqa: E402
from tests import servers  # noqa: E402

OUT = ROOT / "bench" / "out" / "list_cpu"
SECTIONS = 8
WRITES = 5


def database(size, out):
    """The scratch database holding ``size`` imported articles (made on first use)."""
    directory = out / str(size)
    path = directory / "site.sqlite3"
    stamp = directory / ".imported"
    env = servers.site_env(
        DATABASE_URL=f"sqlite:///{path}",
        SECRET_KEY="bench",
        DEBUG="false",
        CACHE_DIR=directory / "cache",
        STATIC_ROOT=directory / "static",
        ALLOWED_HOSTS="testserver",
    )
    if not stamp.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        files, _ = corpus.generate(directory / "sources", articles=size, sections=SECTIONS)
        servers.manage("migrate", "--noinput", "-v0", env=env, check=True, timeout=None)
        note(f"importing {len(files)} articles")
        servers.manage(
            "import_sources", str(directory / "sources"), env=env, check=True, timeout=None
        )
        stamp.write_text(str(size))
    else:  # a newer checkout may bring migrations
        servers.manage("migrate", "--noinput", "-v0", env=env, check=True, timeout=None)
    servers.manage("collectstatic", "--noinput", "-v0", env=env, check=True, timeout=None)
    return env


def measure(requests):
    """In the child process: the figures for the database in DATABASE_URL, as a dict."""
    import time

    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.test.utils import override_settings

    from articles.models import Article

    middleware = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]
    client = Client()
    article = Article.objects.published().order_by("pk").first()
    slug = article.tags.order_by("name").values_list("slug", flat=True).first()
    pages = {"home": "/", "tag": f"/tags/{slug}/"}

    def cpu_ms(url):
        started = time.process_time()
        response = client.get(url)
        spent = (time.process_time() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return spent

    figures = {"articles": Article.objects.count()}
    with override_settings(MIDDLEWARE=middleware):
        for name, url in pages.items():
            for _ in range(10):  # warm: connection, templates, figures kept per version
                cpu_ms(url)
            steady = [cpu_ms(url) for _ in range(requests)]
            after_write = []
            for n in range(WRITES):
                with transaction.atomic():  # a real change each time: added, then removed
                    if n % 2:
                        article.tags.remove("Bench topic")
                    else:
                        article.tags.add("Bench topic")
                after_write.append(cpu_ms(url))
            figures[name] = {
                "steady_median_ms": round(statistics.median(steady), 2),
                "steady_mean_ms": round(statistics.fmean(steady), 2),
                "after_write_median_ms": round(statistics.median(after_write), 2),
            }
        article.tags.remove("Bench topic")
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="3,10000", help="corpus sizes, comma-separated")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--out", type=Path, default=OUT, help="where the databases are kept")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.requests)))
        return
    for size in (int(part) for part in args.sizes.split(",")):
        env = database(size, args.out)
        child = subprocess.run(
            [sys.executable, __file__, "--measure", f"--requests={args.requests}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(child.stderr[-3000:])
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        print(f"{size} articles ({figures.pop('articles')} in the database):")
        for page, values in figures.items():
            print(
                f"  {page:5} steady {values['steady_median_ms']:.2f} ms CPU (median; mean "
                f"{values['steady_mean_ms']:.2f}), first request after a write "
                f"{values['after_write_median_ms']:.2f} ms"
            )


if __name__ == "__main__":
    main()
