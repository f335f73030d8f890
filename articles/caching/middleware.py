"""
The anonymous page cache: GET and HEAD pages that every anonymous reader may
be given, stored under the content version and the full URL.

Two middleware classes, because a reader is known to be anonymous at two
depths of the stack: ``CachedPageFastPathMiddleware`` serves a reader who has
no session cookie before any per-user middleware runs, and
``PageCacheMiddleware`` (after authentication) serves, or renders and stores,
for everyone else. Both go through ``look_up``, which asks the cache once per
request however many of them run.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from .store import pages
from .versions import content_version, page_lifetime

# Headers that belong to one response, not to the page: set again on every serve.
_PER_RESPONSE_HEADERS = {"cache-control", "vary", "set-cookie", "date", "expires", "x-cache"}

# Where ``look_up`` keeps its answer on the request. Set and read only here.
_LOOKUP_ATTRIBUTE = "_page_cache_lookup"


@dataclass(frozen=True)
class Lookup:
    """What the cache said about one request: the version and key it is stored under, and the page if stored."""

    version: str
    key: str
    page: HttpResponse | None


def _cacheable_request(request):
    return request.method in ("GET", "HEAD") and not any(
        request.path_info.startswith(prefix) for prefix in settings.PAGE_CACHE_EXCLUDED_PATHS
    )


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


def _stored_page(request, key, now):
    """The page stored under ``key`` as a response (X-Cache: hit), or None."""
    entry = pages.get(key)
    if entry is None or entry["expires"] <= now:
        return None
    response = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    _public_headers(request, response, max_age=entry["expires"] - now)
    response["X-Cache"] = "hit"
    return response


def look_up(request):
    """
    This request's ``Lookup``, or None while the cache is unreachable. The
    first call asks the cache; after a miss, later calls for the same request
    (the second middleware) reuse its answer.
    """
    if hasattr(request, _LOOKUP_ATTRIBUTE):
        return getattr(request, _LOOKUP_ATTRIBUTE)
    lookup = None
    version = content_version()
    if version is not None:
        key = _page_key(version, request)
        lookup = Lookup(version, key, _stored_page(request, key, timezone.now().timestamp()))
    # Only a miss is kept: a found page is served at once, and keeping it on the
    # request would tie request and response into a cycle (the response holds
    # request.close) that only the garbage collector frees, page bytes and all.
    if lookup is None or lookup.page is None:
        setattr(request, _LOOKUP_ATTRIBUTE, lookup)
    return lookup


class CachedPageFastPathMiddleware:
    """
    Serve a stored page to a reader who has no session before the session,
    CSRF, authentication and message middleware run: without a session
    cookie nobody is logged in, so the page every anonymous reader gets is
    the right one. Misses, and requests that carry a session, go on to
    PageCacheMiddleware, which decides and stores.

    Sits right after WhiteNoise; answers conditional requests itself because
    ConditionalGetMiddleware is further down.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _cacheable_request(request) and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            lookup = look_up(request)
            if lookup is not None and lookup.page is not None:
                return get_conditional_response(
                    request,
                    etag=lookup.page.get("ETag"),
                    last_modified=parse_http_date_safe(lookup.page.get("Last-Modified", "")),
                    response=lookup.page,
                )
        return self.get_response(request)


class PageCacheMiddleware:
    """
    Serve anonymous GET/HEAD pages from the cache, or render and store them.
    Logged-in users always get fresh, privately cacheable pages.

    Sits after AuthenticationMiddleware (it needs ``request.user``) and before
    XFrameOptions/CSP, so the headers they add are stored with the page. A
    database error while finding the user goes the way of any other: the 503
    middleware answers it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        if request.user.is_authenticated:
            response = self.get_response(request)
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ["Cookie"])
            response["X-Cache"] = "bypass"
            return response

        lookup = look_up(request)
        if lookup is None:  # cache unreachable: serve uncached
            response = self.get_response(request)
            _public_headers(request, response, max_age=None)
            response["X-Cache"] = "off"
            return response
        if lookup.page is not None:
            return lookup.page

        now = timezone.now().timestamp()
        lifetime = page_lifetime(lookup.version)
        response = self.get_response(request)
        if lifetime >= 1 and _storable(request, response):
            _store(lookup.key, response, now=now, lifetime=lifetime)
            _public_headers(request, response, max_age=lifetime)
        else:
            _public_headers(request, response, max_age=None)
        response["X-Cache"] = "miss"
        return response


def _store(key, response, *, now, lifetime):
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
    pages.set(key, entry, timeout=lifetime)


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
