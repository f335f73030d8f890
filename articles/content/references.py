"""
Cross-references: the ``[[Title]]`` and ``See also`` links a passage makes to
another article. Each passage's references are rebuilt from its Markdown when
it is saved, and pointed at the article their title (or slug) names as soon
as that article exists.
"""

from django.db.models import Q

from ..models import Article, CrossReference
from .reference_syntax import references_in_context, target_key_and_slug


def build_references(*, article, section, text):
    """Unsaved CrossReference objects for the ``[[...]]`` in one passage's Markdown."""
    position = section.position if section is not None else None
    return [
        CrossReference(source_article=article, source_section=section, **fields)
        for fields in reference_fields(text, section_position=position)
    ]


def reference_fields(text, *, section_position=None):
    """
    The fields of the cross-references that ``build_references`` makes for a
    passage (a section at ``section_position``, or the lead): no models, so
    that an import's worker processes can work them out.
    """
    base = (section_position * 1000) if section_position is not None else 0
    fields = []
    for index, (title, heading, see_also, context) in enumerate(references_in_context(text)):
        key, slug = target_key_and_slug(title)
        fields.append(
            {
                "position": base + index,
                "kind": CrossReference.Kind.SEE_ALSO if see_also else CrossReference.Kind.INLINE,
                "target_title": title[:255],
                "target_heading": heading[:255],
                "context": context,
                "target_key": key,
                "target_slug": slug,
            }
        )
    return fields


def fill_contexts(references):
    """
    Set each of ``references`` (unsaved, with their passage and position, as
    a backup load makes them) to the sentence it stands in, read from its
    passage's Markdown as ``reference_fields`` reads it.
    """
    contexts = {}  # passage -> {position: context}
    for reference in references:
        section = reference.source_section
        passage = section.pk if section is not None else None
        if passage not in contexts:
            text = section.body if section is not None else reference.source_article.summary
            fields = reference_fields(
                text, section_position=section.position if section is not None else None
            )
            contexts[passage] = {found["position"]: found["context"] for found in fields}
        reference.context = contexts[passage].get(reference.position, "")
    return references


def attach_targets(references):
    """Point each reference at the article it names, with one query for them all."""
    if not references:
        return references
    keys = {r.target_key for r in references}
    slugs = {r.target_slug for r in references}
    by_key, by_slug = {}, {}
    for article in Article.objects.filter(Q(title_key__in=keys) | Q(slug__in=slugs)).order_by(
        "-pk"
    ):
        by_key[article.title_key] = article
        by_slug[article.slug] = article
    for reference in references:
        reference.target = by_key.get(reference.target_key) or by_slug.get(reference.target_slug)
    return references


def sync_references(*, article, section=None):
    """
    Make the cross-references of one passage (a section, or the article's lead
    when ``section`` is None) match the ``[[...]]`` written in its Markdown.
    """
    text = section.body if section is not None else article.summary
    wanted = build_references(article=article, section=section, text=text)
    passage = CrossReference.objects.filter(source_article=article, source_section=section)
    current = list(passage.order_by("position", "id"))
    if [(r.target_title, r.target_heading, r.kind, r.context) for r in current] == [
        (r.target_title, r.target_heading, r.kind, r.context) for r in wanted
    ]:
        return
    passage.delete()
    CrossReference.objects.bulk_create(attach_targets(wanted))


def resolve_cross_references(*, article=None):
    """
    Point cross-references at the articles their titles name, where they exist.

    With ``article`` (after it was saved), only the references concerning it
    are touched: those that name it now are pointed at it, and those that
    pointed at it under an older title or slug are released and looked up
    again. Without it, every unresolved reference is looked up.
    """
    if article is not None:
        names_it = Q(target_key=article.title_key) | Q(target_slug=article.slug)
        released = CrossReference.objects.filter(target=article).exclude(names_it)
        pending = list(released.values_list("target_key", "target_slug").distinct())
        released.update(target=None)
        CrossReference.objects.filter(names_it, target__isnull=True).update(target=article)
    else:
        pending = list(
            CrossReference.objects.filter(target__isnull=True)
            .values_list("target_key", "target_slug")
            .distinct()
        )
    for key, slug in pending:
        target = Article.objects.filter(Q(title_key=key) | Q(slug=slug)).order_by("pk").first()
        if target is not None:
            CrossReference.objects.filter(
                target__isnull=True, target_key=key, target_slug=slug
            ).update(target=target)


def count_cross_references():
    """(resolved, unresolved) over the whole site."""
    resolved = CrossReference.objects.filter(target__isnull=False).count()
    unresolved = CrossReference.objects.filter(target__isnull=True).count()
    return resolved, unresolved


def resolve_references_to_new(*, articles):
    """
    ``resolve_cross_references(article=…)`` for each of ``articles``, just
    created together in this order (an import's batch), in one read and one
    write: each waiting reference that names some of them points at the
    first that does. Nothing pointed at a new article yet, so none is released.
    """
    order = {article.pk: step for step, article in enumerate(articles)}
    by_key = {article.title_key: article for article in articles}
    by_slug = {article.slug: article for article in articles}
    waiting = list(
        CrossReference.objects.filter(target__isnull=True)
        .filter(Q(target_key__in=by_key) | Q(target_slug__in=by_slug))
        .only("pk", "target_key", "target_slug")
    )
    for reference in waiting:
        named = [
            article
            for article in (by_key.get(reference.target_key), by_slug.get(reference.target_slug))
            if article is not None
        ]
        reference.target = min(named, key=lambda article: order[article.pk])
    CrossReference.objects.bulk_update(waiting, ["target"])
