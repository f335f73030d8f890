"""
Preview links: a signed, expiring, revocable address that shows one
unpublished article to a reviewer without an account. The token signs the
link's id; the link row says whether it still works.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from ..models import PreviewLink

PREVIEW_SALT = "articles.preview-link"


class PreviewLinkInvalid(Exception):
    """The token is not one we signed."""


class PreviewLinkGone(Exception):
    """The token was ours, but the link has expired, was revoked or deleted."""


def preview_max_age():
    return timedelta(days=settings.PREVIEW_LINK_MAX_AGE_DAYS)


def _signer():
    return signing.TimestampSigner(salt=PREVIEW_SALT)


def preview_token(link):
    return _signer().sign(str(link.pk))


@transaction.atomic
def create_preview_link(*, article, user=None):
    """A link that shows ``article`` to someone without an account, until it expires."""
    link = PreviewLink.objects.create(
        article=article,
        created_by=user if user is not None and user.is_authenticated else None,
        expires_at=timezone.now() + preview_max_age(),
    )
    return link, preview_token(link)


def revoke_preview_link(*, link):
    """Make ``link`` stop working now."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def preview_link_for_token(token):
    """The active PreviewLink a token names; raises PreviewLinkInvalid or PreviewLinkGone."""
    try:
        pk = _signer().unsign(token, max_age=preview_max_age())
    except signing.SignatureExpired:
        raise PreviewLinkGone("This preview link has expired.") from None
    except signing.BadSignature:
        raise PreviewLinkInvalid() from None
    if not pk.isdigit():
        raise PreviewLinkInvalid()
    link = PreviewLink.objects.select_related("article").filter(pk=int(pk)).first()
    if link is None:
        raise PreviewLinkGone("This preview link no longer exists.")
    if link.revoked_at is not None:
        raise PreviewLinkGone("This preview link was withdrawn by the editors.")
    if link.expires_at <= timezone.now():
        raise PreviewLinkGone("This preview link has expired.")
    return link
