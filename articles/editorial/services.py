"""
Editorial writes made from the admin: tags, wanted articles, preview links,
conflict checks and rebuilding derived data after a revert. Plain functions
with keyword-only arguments, called by the admin, the views and the tests.
"""

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from ..content.rendering import normalize_title
from ..content.tags import clean_tag_name, tag_slug
from ..models import Article, CrossReference, PreviewLink, Section, TaggedArticle, TaggedSection

PREVIEW_SALT = "articles.preview-link"


class EditorialError(ValueError):
    """A request an editor made that cannot be carried out; the message says why."""


# --- Tags -----------------------------------------------------------------------------


def tags_with_usage():
    """Every tag with how many articles and sections carry it."""
    return Tag.objects.annotate(
        article_count=Count("articles_taggedarticle_items", distinct=True),
        section_count=Count("articles_taggedsection_items", distinct=True),
    )


def check_merge_target(tag):
    """
    Refuse to merge into a tag whose name could not be given to a new tag:
    everything tagged would move under a topic without an address. Merging
    such a tag into a good one is how it is cleared away.
    """
    clean_tag_name(tag.name)
    if not tag.slug:
        raise ValidationError(f"“{tag.name}” has no address; merge it into another tag instead.")
    return tag


@transaction.atomic
def merge_tags(*, tags, into):
    """
    Move every article and section tagged with one of ``tags`` to the tag
    ``into``, then delete ``tags``. An object already carrying ``into`` keeps
    a single tagging. Returns the number of tags merged. Raises
    ValidationError, changing nothing, if ``into`` is not a usable tag.
    """
    check_merge_target(into)
    merged = [tag for tag in tags if tag.pk != into.pk]
    if not merged:
        return 0
    merged_ids = [tag.pk for tag in merged]
    for through in (TaggedArticle, TaggedSection):
        already = through.objects.filter(tag=into).values("content_object_id")
        # Objects that carry the target already: their other taggings just go.
        through.objects.filter(tag_id__in=merged_ids, content_object_id__in=already).delete()
        moving = through.objects.filter(tag_id__in=merged_ids).order_by("pk")
        seen = set()
        duplicate_ids = []
        for pk, object_id in moving.values_list("pk", "content_object_id"):
            if object_id in seen:
                duplicate_ids.append(pk)
            seen.add(object_id)
        through.objects.filter(pk__in=duplicate_ids).delete()
        through.objects.filter(tag_id__in=merged_ids).update(tag=into)
    Tag.objects.filter(pk__in=merged_ids).delete()
    return len(merged)


def check_tag_name(*, tag, name, slug=None):
    """
    The (name, slug) ``tag`` may take, or a ValidationError naming the field
    at fault: a name needs a letter or digit (see ``clean_tag_name``), and no
    other tag may have the same name in any case, or the same slug. Without
    ``slug``, the address is made from the name.
    """
    name = clean_tag_name(name)
    slug = tag_slug(slug or name)[: Tag._meta.get_field("slug").max_length]
    if not slug:
        raise ValidationError({"slug": "A tag's address needs at least one letter or digit."})
    others = Tag.objects.exclude(pk=tag.pk)
    clash = others.filter(name__iexact=name).first()
    if clash is not None:
        raise ValidationError(
            {"name": f"The tag “{clash.name}” already has this name; merge the two instead."}
        )
    clash = others.filter(slug=slug).first()
    if clash is not None:
        raise ValidationError(
            {"slug": f"The tag “{clash.name}” already has this address; merge the two instead."}
        )
    return name, slug


@transaction.atomic
def rename_tag(*, tag, name, slug=None):
    """Give a tag a new name (and slug); ValidationError if ``check_tag_name`` refuses them."""
    tag.name, tag.slug = check_tag_name(tag=tag, name=name, slug=slug)
    tag.save()
    return tag


# --- Wanted articles -----------------------------------------------------------------


@dataclass
class WantedArticle:
    """A title other passages refer to, which no article has yet."""

    title: str
    key: str
    references: list = field(default_factory=list)

    @property
    def count(self):
        return len(self.references)

    @property
    def source_articles(self):
        return list(OrderedDict.fromkeys(r.source_article for r in self.references))


def wanted_articles():
    """Titles named by unresolved cross-references, the most wanted first. Two queries at most."""
    references = (
        CrossReference.objects.filter(target__isnull=True)
        .select_related("source_article", "source_section")
        .order_by("target_key", "source_article__title", "position", "pk")
    )
    wanted = OrderedDict()
    for reference in references:
        entry = wanted.get(reference.target_key)
        if entry is None:
            entry = wanted[reference.target_key] = WantedArticle(
                title=reference.target_title, key=reference.target_key
            )
        entry.references.append(reference)
    return sorted(wanted.values(), key=lambda w: (-w.count, w.key))


@transaction.atomic
def create_wanted_draft(*, title):
    """
    Create a draft article with a wanted title. The signals point the
    references that name it at it. Refuses a title that is not wanted any
    more or that an article has already.
    """
    title = " ".join((title or "").split())
    if not title:
        raise EditorialError("No title was given.")
    key = normalize_title(title)
    existing = Article.objects.filter(Q(title_key=key) | Q(slug=slugify(title)[:255])).first()
    if existing is not None:
        raise EditorialError(f"An article titled “{existing.title}” exists already.")
    if not CrossReference.objects.filter(target__isnull=True, target_key=key).exists():
        raise EditorialError(f"No passage refers to “{title}” any more.")
    try:
        with transaction.atomic():
            return Article.objects.create(title=title, status=Article.Status.DRAFT, summary="")
    except IntegrityError:
        raise EditorialError(f"An article titled “{title}” exists already.") from None


# --- Preview links -------------------------------------------------------------------


def preview_max_age():
    return timedelta(days=getattr(settings, "PREVIEW_LINK_MAX_AGE_DAYS", 7))


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
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


class PreviewLinkInvalid(Exception):
    """The token is not one we signed."""


class PreviewLinkGone(Exception):
    """The token was ours, but the link has expired or was revoked."""


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


# --- Conflicts and reverts -----------------------------------------------------------


def version_stamp(value):
    """How an article's updated_at travels through a form: an exact, comparable string."""
    return value.isoformat() if value else ""


def last_change(article):
    """(who, when) of the latest change to an article, as well as the history knows."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType
    from reversion.models import Version

    version = (
        Version.objects.get_for_object_reference(Article, article.pk)
        .select_related("revision__user")
        .first()
    )
    when = Article.objects.filter(pk=article.pk).values_list("updated_at", flat=True).first()
    if version is not None and version.revision.user is not None:
        return version.revision.user, when
    entry = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Article), object_id=str(article.pk)
        )
        .select_related("user")
        .order_by("-action_time")
        .first()
    )
    return (entry.user if entry else None), when


def rebuild_article(*, article):
    """
    Recompute the derived data of an article and its sections after a revert
    or recovery, which writes rows without running the save signals.
    """
    article.refresh_from_db()
    article.save()
    for section in Section.objects.filter(article=article).select_related("article"):
        section.save()
    return article
