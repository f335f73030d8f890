"""
Production middleware: the anonymous page cache, and a plain 503 page instead
of a traceback when the database is unreachable.
"""

import hashlib
import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from articles import caching

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

# Headers that belong to one response, not to the page: set again on every serve.
_PER_RESPONSE_HEADERS = {"cache-control", "vary", "set-cookie", "date", "expires", "x-cache"}


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


def _is_excluded(path):
    return any(path.startswith(prefix) for prefix in settings.PAGE_CACHE_EXCLUDED_PATHS)


def _page_key(version, request):
    url = request.build_absolute_uri()
    return f"page:{version}:{hashlib.sha256(url.encode()).hexdigest()}"


def _public_headers(request, response, *, max_age):
    """Short shared caching for pages anyone may see; Vary: Cookie keeps editors apart."""
    patch_vary_headers(response, ["Cookie"])
    if max_age is None or response.has_header("Cache-Control"):
        return
    browser_max_age = min(settings.PAGE_BROWSER_MAX_AGE, int(max_age))
    patch_cache_control(response, public=True, max_age=browser_max_age)


def _cached_page(request, key, now):
    """The stored page for ``key`` as a response (X-Cache: hit), or None."""
    entry = caching.safe_cache_call("reading a cached page", "get", key)
    if entry is None or entry["expires"] <= now:
        return None
    response = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    _public_headers(request, response, max_age=entry["expires"] - now)
    response["X-Cache"] = "hit"
    return response


class CachedPageFastPathMiddleware:
    """
    Serve a stored page to a reader who has no session before the session,
    CSRF, authentication and message middleware run: without a session
    cookie nobody is logged in, so the page every anonymous reader gets is
    the right one. Misses, and requests that carry a session, go on to
    PageCacheMiddleware below, which decides and stores.

    Sits right after WhiteNoise; answers conditional requests itself because
    ConditionalGetMiddleware is further down.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not _is_excluded(request.path_info)
        ):
            version = caching.content_version()
            if version is not None:
                key = _page_key(version, request)
                response = _cached_page(request, key, timezone.now().timestamp())
                if response is not None:
                    return get_conditional_response(
                        request,
                        etag=response.get("ETag"),
                        last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
                        response=response,
                    )
                # PageCacheMiddleware stores under this key without asking the cache again.
                request.page_cache_miss = (version, key)
        return self.get_response(request)


class PageCacheMiddleware:
    """
    Serve anonymous GET/HEAD pages from the shared cache, keyed on the content
    version (so any write invalidates every page on every instance at once) and
    the full URL. Logged-in users always get fresh, privately cacheable pages.

    Sits after AuthenticationMiddleware (it needs ``request.user``) and before
    XFrameOptions/CSP, so the headers they add are stored with the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or _is_excluded(request.path_info):
            return self.get_response(request)
        try:
            authenticated = request.user.is_authenticated
        except DATABASE_UNAVAILABLE_ERRORS:  # the session or user lookup needs the database
            close_broken_connections()
            return service_unavailable()
        if authenticated:
            response = self.get_response(request)
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ["Cookie"])
            response["X-Cache"] = "bypass"
            return response
        return self._anonymous(request)

    def _anonymous(self, request):
        now = timezone.now().timestamp()
        looked_up = getattr(request, "page_cache_miss", None)
        if looked_up is not None:  # the fast path above found nothing under this key
            version, key = looked_up
        else:
            version = caching.content_version()
            if version is None:  # cache unreachable: serve uncached
                response = self.get_response(request)
                _public_headers(request, response, max_age=None)
                response["X-Cache"] = "off"
                return response
            key = _page_key(version, request)
            response = _cached_page(request, key, now)
            if response is not None:
                return response

        try:
            lifetime = caching.page_lifetime(version)
        except DatabaseError:
            lifetime = 0  # the view will meet the same error and answer 503
            close_broken_connections()
        response = self.get_response(request)
        if lifetime >= 1 and self._storable(request, response):
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:40]}"'
            response["Last-Modified"] = http_date(now)
            entry = {
                "status": response.status_code,
                "content": response.content,
                "headers": [
                    (name, value)
                    for name, value in response.items()
                    if name.lower() not in _PER_RESPONSE_HEADERS
                ],
                "expires": now + lifetime,
            }
            caching.safe_cache_call("storing a page", "set", key, entry, lifetime)
            _public_headers(request, response, max_age=lifetime)
        else:
            _public_headers(request, response, max_age=None)
        response["X-Cache"] = "miss"
        return response

    @staticmethod
    def _storable(request, response):
        """A page every anonymous reader may be given as it is."""
        if response.status_code != 200 or response.streaming:
            return False
        if response.cookies or response.has_header("Content-Encoding"):
            return False
        cache_control = response.get("Cache-Control", "").lower()
        if any(word in cache_control for word in ("private", "no-store", "no-cache")):
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        if vary - {"cookie", "accept-encoding"}:
            return False
        # A page holding a CSRF token, a session change or a CSP nonce is one reader's.
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False
        session = getattr(request, "session", None)
        if session is not None and session.modified:
            return False
        return not isinstance(getattr(request, "_csp_nonce", None), str)
