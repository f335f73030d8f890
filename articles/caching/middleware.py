"""
The anonymous page cache: GET and HEAD pages that every anonymous reader may
be given, stored under their full URL with the versions of what they show
(``shows``; see versions.py), and served while those versions are current.

Two middleware classes, because a reader is known to be anonymous at two
depths of the stack: ``CachedPageFastPathMiddleware`` serves a reader who has
no session cookie before any per-user middleware runs, and
``PageCacheMiddleware`` (after authentication) serves, or renders and stores,
for everyone else. Both go through ``look_up``, which asks the cache once per
request however many of them run.
"""

import hashlib
import math
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from .store import pages
from .versions import ANY, CONTENT, LISTS, WITHDRAWN, article_key, bumped_at, current, page_lifetime

# Headers that belong to one response, not to the page: set again on every serve.
_PER_RESPONSE_HEADERS = {"cache-control", "vary", "set-cookie", "date", "expires", "x-cache"}

# Where ``look_up`` keeps its answer on the request, and ``shows`` what the
# page shows. Set and read only here.
_LOOKUP_ATTRIBUTE = "_page_cache_lookup"
_SHOWS_ATTRIBUTE = "_page_cache_shows"

# What a page that does not say what it shows is stored under: everything.
_EVERYTHING = (CONTENT, ANY)

# How long the one request rendering a stale page holds its lock, at most.
_LOCK_SECONDS = 10
# A page rendered less than this before a withdrawal counts as rendered after
# it began (clocks of two machines differ a little).
_CLOCK_MARGIN_SECONDS = 1.0


@dataclass(frozen=True)
class Lookup:
    """
    What the cache said about one request: the key the page is stored under,
    the page to serve if any (a hit, or a stale one in grace), the versions
    read before rendering, when the look began, and whether this request holds
    the render lock.
    """

    key: str
    page: HttpResponse | None
    versions: dict
    started: float
    locked: bool = False


def shows(request, *, article=None):
    """
    Say what this page shows, so that it is stored under only those versions:
    what lists and links show of articles (always), and the article whose own
    page this is (its slug). Call it before reading the article. A page that
    never calls it is stored under every write.
    """
    lookup = getattr(request, _LOOKUP_ATTRIBUTE, None)
    if lookup is None:  # not a page being stored
        return
    keys = [CONTENT, LISTS] + ([article_key(article)] if article is not None else [])
    needed = [key for key in keys if key not in lookup.versions]
    found = current(needed) if needed else {}
    if found is None:  # the cache went away: do not store
        setattr(request, _SHOWS_ATTRIBUTE, None)
        return
    setattr(
        request, _SHOWS_ATTRIBUTE, {key: lookup.versions.get(key) or found[key] for key in keys}
    )


def _cacheable_request(request):
    return request.method in ("GET", "HEAD") and not any(
        request.path_info.startswith(prefix) for prefix in settings.PAGE_CACHE_EXCLUDED_PATHS
    )


def _page_key(request):
    url = request.build_absolute_uri()
    return f"page:{hashlib.sha256(url.encode()).hexdigest()}"


def _public_headers(request, response, *, max_age):
    """Short shared caching for pages anyone may see; Vary: Cookie keeps editors apart."""
    patch_vary_headers(response, ["Cookie"])
    if max_age is None or response.has_header("Cache-Control"):
        return
    browser_max_age = min(settings.PAGE_BROWSER_MAX_AGE, int(max_age))
    patch_cache_control(response, public=True, max_age=browser_max_age)


def _response(request, entry, *, state, max_age):
    response = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    _public_headers(request, response, max_age=max_age)
    response["X-Cache"] = state
    return response


def _is_current(entry, versions):
    return all(versions.get(key) == value for key, value in entry["deps"].items())


def _in_grace(entry, versions, now):
    """
    Whether a stale ``entry`` may still be served while another request
    renders it: for ``PAGE_CACHE_GRACE_SECONDS`` after it went stale, and never
    when something was withdrawn since it was rendered.
    """
    if bumped_at(versions[WITHDRAWN]) >= entry["started"] - _CLOCK_MARGIN_SECONDS:
        return False
    moments = [
        bumped_at(versions.get(key))
        for key, value in entry["deps"].items()
        if versions.get(key) != value
    ]
    if entry["expires"] <= now:
        moments.append(entry["expires"])
    return now - min(moments) <= settings.PAGE_CACHE_GRACE_SECONDS


def look_up(request):
    """
    This request's ``Lookup``, or None while the cache is unreachable. The
    first call asks the cache (the page, then its versions in one read); after
    a miss, later calls for the same request (the second middleware) reuse its
    answer.

    A stale page is rendered again by one request at a time (it takes a lock);
    the others are served the stale page in grace. Where grace does not apply
    they render it too rather than wait: a sync worker waiting for a render
    queued behind it would wait in vain, and at most one request per worker
    renders at once anyway.
    """
    if hasattr(request, _LOOKUP_ATTRIBUTE):
        return getattr(request, _LOOKUP_ATTRIBUTE)
    now = timezone.now().timestamp()
    key = _page_key(request)
    entry = pages.get(key)
    versions = current([CONTENT, ANY, LISTS, WITHDRAWN, *(entry["deps"] if entry else ())])
    lookup = None
    if versions is not None:
        page, locked = None, False
        if entry is not None and _is_current(entry, versions) and entry["expires"] > now:
            page = _response(request, entry, state="hit", max_age=entry["expires"] - now)
        elif entry is not None:
            locked = pages.add(f"lock:{key}", now, timeout=_LOCK_SECONDS)
            if not locked and _in_grace(entry, versions, now):
                page = _response(request, entry, state="stale", max_age=0)
        lookup = Lookup(key, page, versions, now, locked)
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

        versions = lookup.versions
        try:
            lifetime = page_lifetime(f"{versions[CONTENT]}:{versions[LISTS]}")
        except DatabaseError:
            # Finding the next scheduled publication needs the database; when
            # it is unreachable the view meets the same error and answers 503.
            lifetime = 0
        try:
            response = self.get_response(request)
            deps = getattr(request, _SHOWS_ATTRIBUTE, {key: versions[key] for key in _EVERYTHING})
            if lifetime >= 1 and deps is not None and _storable(request, response):
                _store(lookup, response, deps=deps, lifetime=lifetime)
                _public_headers(request, response, max_age=lifetime)
            else:
                _public_headers(request, response, max_age=None)
        finally:
            if lookup.locked:
                pages.delete(f"lock:{lookup.key}")
        response["X-Cache"] = "miss"
        return response


def _store(lookup, response, *, deps, lifetime):
    now = timezone.now().timestamp()
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
        "deps": deps,
        # When its versions were read, before any of its content was.
        "started": lookup.started,
        "expires": now + lifetime,
    }
    # Kept past its expiry for the grace period, for the requests arriving while it is rendered again.
    pages.set(lookup.key, entry, timeout=lifetime + math.ceil(settings.PAGE_CACHE_GRACE_SECONDS))


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
