"""
A per-client limit on API requests that reach the views. Answers the page
cache gives (most anonymous GETs) cost next to nothing and are not counted:
what the limit protects is the database work behind a miss.
"""

from django.conf import settings
from ninja.conf import settings as ninja_settings
from ninja.throttling import AnonRateThrottle

from ..caching.store import pages

# Enough for a reader's map and a script paging through the whole list; a
# crawler hammering uncached queries is slowed down. ``API_THROTTLE_RATE``
# overrides it ("requests/period", as ninja reads it: "120/m", "5/s").
DEFAULT_RATE = "120/m"


class _TolerantThrottleCache:
    """ninja's throttle speaks Django's cache API; ours must not fail the request."""

    def get(self, key, default=None):
        return pages.get(key, default)

    def set(self, key, value, timeout=None):
        return pages.set(key, value, timeout=timeout)


class ClientRateThrottle(AnonRateThrottle):
    """
    ninja's anonymous throttle, with the rate read from the settings on each
    request (so a test or an operator can change it without a restart) and
    its history kept in the site's tolerant cache: with the cache down,
    requests go through unthrottled rather than failing.
    """

    cache = _TolerantThrottleCache()
    scope = "api"

    def __init__(self):
        self.rate = None
        self.num_requests = self.duration = None

    def allow_request(self, request):
        self.rate = getattr(settings, "API_THROTTLE_RATE", DEFAULT_RATE)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request):
        # Every API client is anonymous: the limit is per client address.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def get_ident(self, request):
        # X-Forwarded-For is whatever the client wrote unless a proxy we know
        # of wrote it: trusted only with NINJA_NUM_PROXIES set, else anyone
        # could dodge the limit by sending a new address each time.
        if ninja_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR")
        return super().get_ident(request)
