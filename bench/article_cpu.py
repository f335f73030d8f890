"""
CPU per request of the uncached article page, in-process (issue 15: "at most
5 ms CPU per request at 3 and at 10,000 articles", constant in corpus size).

    .venv/bin/python bench/article_cpu.py DATABASE_URL [DATABASE_URL ...] [--requests 300]

Each database is one already filled by ``manage.py migrate`` and
``import_sources`` (the seeded texts for 3 articles; the synthetic corpus of
bench/corpus.py for 10,000). In a child process per database, the page of
the published article in the middle of the corpus (it has neighbours,
backlinks and related passages) is requested through the Django test client
with the page cache taken out of the middleware, and ``time.process_time``
is read around each request. Nothing is written: the database is left as it
was.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM_UP = 20


def measure(requests):
    """In the child: the figures for the database of DATABASE_URL, as a dict."""
    import time

    import django
    from django.conf import settings

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from articles.models import Article

    setup_test_environment()  # the test client's host; the page cache is left out below
    settings.MIDDLEWARE = [
        m
        for m in settings.MIDDLEWARE
        if not m.endswith(("PageCacheMiddleware", "FastPathMiddleware"))
    ]
    published = Article.objects.published().order_by("published_at", "pk")
    count = published.count()
    article = published[count // 2]
    url = article.get_absolute_url()
    client = Client()
    for _ in range(WARM_UP):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured.captured_queries)
    times = []
    for _ in range(requests):
        start = time.process_time()
        client.get(url)
        times.append((time.process_time() - start) * 1000)
    return {
        "articles": count,
        "url": url,
        "queries": queries,
        "median_ms": statistics.median(times),
        "mean_ms": statistics.fmean(times),
        "p90_ms": statistics.quantiles(times, n=10)[-1],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="+", help="database URLs, already imported")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.requests)))
        return 0
    for url in args.databases:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "milcoop_site.settings",
            "PYTHONPATH": str(ROOT),
        }
        done = subprocess.run(
            [sys.executable, __file__, url, "--child", "--requests", str(args.requests)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
            return done.returncode
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{figures['articles']:>6,} articles  {figures['queries']} queries  "
            f"CPU median {figures['median_ms']:.2f} ms, mean {figures['mean_ms']:.2f} ms, "
            f"p90 {figures['p90_ms']:.2f} ms  ({figures['url']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
