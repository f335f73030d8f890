"""
A plain 503 page instead of a traceback when the database is unreachable.
(The page cache is articles/caching/middleware.py.)
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30

UNAVAILABLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Temporarily unavailable</title></head>
<body>
<h1>Temporarily unavailable</h1>
<p>The site cannot reach its database just now. Please try again in a minute.</p>
</body>
</html>
"""


def service_unavailable():
    response = HttpResponse(UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


def close_broken_connections():
    """Drop connections a failure left unusable, so the next request opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue  # the transaction's owner rolls back and closes it
        try:
            connection.close_if_unusable_or_obsolete()
        except Exception:
            logger.debug("closing a broken database connection failed", exc_info=True)


def _note_database_error(sender, request=None, **kwargs):
    # An error raised outside a view (a middleware, a template rendered on the
    # way out) never reaches process_exception; mark the request so that
    # DatabaseUnavailableMiddleware swaps the 500 for a 503.
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_UNAVAILABLE_ERRORS):
        request.database_unavailable = True
        close_broken_connections()


got_request_exception.connect(_note_database_error, dispatch_uid="milcoop-database-unavailable")


class DatabaseUnavailableMiddleware:
    """Database unreachable → 503 "temporarily unavailable" with Retry-After, never a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            return service_unavailable()
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
            return None
        logger.error("database unavailable on %s %s: %s", request.method, request.path, exception)
        close_broken_connections()
        return service_unavailable()
