"""
The real settings, plus one response header naming the worker process that
answered (``X-Worker-Pid``): lets a test that starts several gunicorn workers
see each of them serve. For tests only; the site never names its processes.
"""

import os

from milcoop_site.settings import *  # noqa: F403
from milcoop_site.settings import MIDDLEWARE


def worker_pid_header(get_response):
    def middleware(request):
        response = get_response(request)
        response["X-Worker-Pid"] = str(os.getpid())
        return response

    return middleware


# Outermost, so that pages served from the cache carry it too.
MIDDLEWARE = ["tests.worker_settings.worker_pid_header", *MIDDLEWARE]
