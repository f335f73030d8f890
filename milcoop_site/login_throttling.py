"""
Admin login throttling with django-axes: the address a login comes from, and
the page a locked-out login is given.

Axes locks a user name *at an address* (``AXES_LOCKOUT_PARAMETERS``). That only
protects editors if the address is the client's own: behind a TLS proxy every
request comes from the proxy, and five wrong passwords from anyone would lock
the editor out wherever she logs in from.
"""

import ipaddress
import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext


def client_address(request):
    """
    The client's address: the connection's peer, or, behind ``TRUSTED_PROXY_COUNT``
    proxies, the entry of ``X-Forwarded-For`` that the outermost of them added.

    Each proxy appends the address that connected to it, so the last
    ``TRUSTED_PROXY_COUNT`` entries are our proxies' word and the first of them
    names the client. Entries further left are whatever the client sent and are
    never read; with no proxy configured the header is not read at all.
    """
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return peer
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < proxies:
        # The request did not pass through every proxy: only the peer is known.
        return peer
    return _address(forwarded[-proxies]) or peer


def _address(value):
    """An IP address in its canonical form, with any port a proxy added removed; else None."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.5:443
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def lockout_response(request, credentials=None):
    """
    The page for a login refused during a lockout (``AXES_LOCKOUT_CALLABLE``):
    how long to wait, in words and in a ``Retry-After`` header.
    """
    seconds = seconds_until_unlocked(request, credentials)
    context = {
        **admin.site.each_context(request),
        "title": "Login locked for a while",
        "wait": _in_words(seconds) if seconds is not None else None,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "attempts_extend_the_wait": settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT,
    }
    response = render(
        request, "admin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
    if seconds is not None:
        response["Retry-After"] = str(seconds)
    return response


def seconds_until_unlocked(request, credentials=None):
    """
    Whole seconds until this user name can log in from this address again,
    counted from its latest recorded failure; None for a lock without an end.
    """
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    attempts = AxesProxyHandler.get_implementation().get_user_attempts(request, credentials)
    now = timezone.now()
    failures = [queryset.aggregate(latest=Max("attempt_time"))["latest"] for queryset in attempts]
    latest = max((failure for failure in failures if failure is not None), default=now)
    unlocked_at = latest + cool_off
    return max(1, math.ceil((unlocked_at - now).total_seconds()))


def _in_words(seconds):
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    if minutes < 120:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
