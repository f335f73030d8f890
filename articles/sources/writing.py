"""
What the import service writes for prepared sources: new articles in bulk
(a few statements for a whole batch), or one article replaced through its
``save()`` and signals. Model instances are filled by the models' own
``prepare()`` (as an editor's save fills them), published through the
publishing service, pointed at their targets through the references module,
and indexed through the search module.

New articles come out as they would if imported one after another: a tag is
kept where it has two passages counting those of the sources before it, a
slug is taken by the first source that wants it, and a waiting reference
points at the first new article that names it.
"""

from collections import Counter
from dataclasses import dataclass, field

import reversion
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from taggit.models import Tag

from .. import search
from ..caching import bump_content_version
from ..content import publishing, references
from ..content.tags import clean_tag_name
from ..content.text import ArticleContent, SectionContent
from ..models import (
    Article,
    CrossReference,
    Section,
    TaggedArticle,
    TaggedSection,
    slug_base,
)
from .prepare import PreparedSource


@dataclass
class SourceTags:
    """The suggested topics of one source that the "two passages" rule keeps."""

    article: list[str]
    sections: list[list[str]]  # one list per section, in order


@dataclass
class ArticleWrite:
    """What an import writes for one source: its article, sections and tags."""

    source: PreparedSource
    article: Article
    tags: SourceTags
    sections: list[Section] = field(default_factory=list)


def create_articles(sources, *, publish):
    """New articles for prepared sources, in order, with a few statements for them all."""
    taken_slugs = _slugs_in_use(sources)
    articles = []
    for source in sources:
        article = Article(
            title=source.title,
            summary=source.summary,
            source_file=source.filename,
            source_digest=source.digest,
        )
        if publish:
            publishing.mark_published(article=article)
        article.prepare(taken_slugs=taken_slugs, rendered_summary=source.rendered_summary)
        articles.append(article)
    cut = _first_named_out_of_turn(sources, articles)
    if cut is not None:  # rare: the articles before it are written first
        first = create_articles(sources[:cut], publish=publish)
        return first + create_articles(sources[cut:], publish=publish)
    writes = [
        _filled(source, article, tags, old_anchors={})
        for source, article, tags in zip(sources, articles, _kept_tags(sources), strict=True)
    ]
    tags = _tags_named(writes)
    Article.objects.bulk_create(articles)
    _write_sections(writes)
    _write_tags(writes, tags)
    references.resolve_references_to_new(articles=articles)
    _write_references(writes, lead=True)
    search.index_new(
        articles=[
            (w.article.pk, w.article.title, w.source.summary_text, w.source.summary_terms)
            for w in writes
        ],
        sections=_index_rows(writes),
    )
    _written(articles)
    return writes


def replace_article(source, article, *, publish):
    """Replace an article's content with a source's, through save() and its signals."""
    kept = _kept_tags([source], exclude_article=article)[0]
    old_anchors = dict(article.sections.values_list("heading", "anchor"))
    article.sections.all().delete()
    article.title = source.title
    article.summary = source.summary
    article.source_file = source.filename
    article.source_digest = source.digest
    if publish and article.status == Article.Status.DRAFT:
        publishing.mark_published(article=article)
    write = _filled(source, article, kept, old_anchors=old_anchors)
    tags = _tags_named([write])
    article.save()  # its signals write the lead's references and index it
    TaggedArticle.objects.filter(content_object=article).delete()
    _write_sections([write])
    _write_tags([write], tags)
    _write_references([write], lead=False)
    search.index_new(sections=_index_rows([write]))
    _written([article])
    return write


def _filled(source, article, tags, *, old_anchors):
    """
    The write for one source: its sections filled by Section.prepare(), and
    the article's word count and imported-content digest.
    """
    write = ArticleWrite(source=source, article=article, tags=tags)
    taken = set()
    for position, prepared in enumerate(source.sections):
        section = Section(
            article=article,
            position=position,
            level=prepared.level,
            heading=prepared.heading,
            body=prepared.body,
        )
        # Headings the article had keep their anchors, so links to them keep working.
        anchor = old_anchors.get(prepared.heading, "")
        section.anchor = anchor if anchor not in taken else ""
        section.prepare(taken_anchors=taken, rendered=prepared.rendered)
        write.sections.append(section)
    article.word_count = sum(section.word_count for section in write.sections)
    article.imported_content_digest = ArticleContent(
        title=article.title,
        summary=article.summary,
        tags=tags.article,
        sections=[
            SectionContent(
                level=section.level,
                heading=section.heading,
                anchor=section.anchor,
                body=section.body,
                tags=names,
            )
            for section, names in zip(write.sections, tags.sections, strict=True)
        ],
    ).digest()
    return write


def _written(articles):
    transaction.on_commit(bump_content_version)
    # The admin's upload imports inside a revision: record what was imported.
    if reversion.is_active():
        for article in articles:
            reversion.add_to_revision(article)


# --- Rows ----------------------------------------------------------------------------


def _write_sections(writes):
    Section.objects.bulk_create([section for write in writes for section in write.sections])


def _write_tags(writes, tags):
    # By id: the rows are many, and the instances they link are written already.
    TaggedSection.objects.bulk_create(
        TaggedSection(content_object_id=section.pk, tag_id=tags[name].pk)
        for write in writes
        for section, names in zip(write.sections, write.tags.sections, strict=True)
        for name in names
    )
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object_id=write.article.pk, tag_id=tags[name].pk)
        for write in writes
        for name in write.tags.article
    )


def _write_references(writes, *, lead):
    """The cross-references written in the new passages (and in the lead, with ``lead``)."""
    found = []
    for write in writes:
        passages = [(None, write.source.references)] if lead else []
        passages += [
            (section, prepared.references)
            for section, prepared in zip(write.sections, write.source.sections, strict=True)
        ]
        found += [
            CrossReference(source_article=write.article, source_section=section, **fields)
            for section, fields_of_passage in passages
            for fields in fields_of_passage
        ]
    CrossReference.objects.bulk_create(references.attach_targets(found))


def _index_rows(writes):
    """The new sections as ``search.index_new`` takes them, with the text the workers made."""
    return [
        (section.pk, write.article.pk, section.heading, prepared.text, prepared.terms)
        for write in writes
        for section, prepared in zip(write.sections, write.source.sections, strict=True)
    ]


# --- The rules that look at what came before -------------------------------------------


def _slugs_in_use(sources):
    """
    The slugs that the new articles' slugs could clash with, for
    Article.prepare() to choose as ``unique_slug`` does. ``first_free`` looks
    past ``base-2`` only when both are taken, so the rest of a base's slugs
    are read only for a base where that can happen: both taken on the site,
    or wanted by another of these sources too.
    """
    bases = [slug_base(source.title) for source in sources]
    wanted = Counter(name for base in bases for name in (base, f"{base}-2"))
    taken = set(Article.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    crowded = {
        base
        for base in bases
        if {base, f"{base}-2"} <= taken or wanted[base] > 1 or wanted[f"{base}-2"] > 1
    }
    if crowded:
        starts = Q()
        for base in crowded:
            starts |= Q(slug__startswith=base)
        taken |= set(Article.objects.filter(starts).values_list("slug", flat=True))
    return taken


def _first_named_out_of_turn(sources, articles):
    """
    Where to split new articles so that their references point where they
    would if imported one at a time: the first article that an earlier one's
    reference names by title while the slug it names is another's, or None.
    ``attach_targets`` prefers the title's article; one at a time, the other
    would have been there first.
    """
    step_of_key = {article.title_key: step for step, article in enumerate(articles)}
    cuts = []
    for step, source in enumerate(sources):
        passages = [source.references] + [section.references for section in source.sections]
        for fields in (fields for passage in passages for fields in passage):
            named = step_of_key.get(fields["target_key"])
            if named is not None and named > step and articles[named].slug != fields["target_slug"]:
                cuts.append(named)
    return min(cuts, default=None)


def _kept_tags(sources, exclude_article=None):
    """
    The tags kept for each source, in order: a topic to follow needs two
    passages, here or elsewhere on the site — including the passages of the
    sources before it.
    """
    names = {name for source in sources for section in source.sections for name in section.tags}
    elsewhere = TaggedSection.objects.filter(tag=OuterRef("pk"))
    if exclude_article is not None:
        elsewhere = elsewhere.exclude(content_object__article=exclude_article)
    # Whether each tag is on some other passage already: one index probe per
    # tag, not a read of every passage carrying it (that grows with the site).
    on_site = set(
        Tag.objects.filter(name__in=names).filter(Exists(elsewhere)).values_list("name", flat=True)
    )
    kept = []
    for source in sources:
        counts = {}
        for section in source.sections:
            for name in section.tags:
                counts[name] = counts.get(name, 0) + 1
        keep = {name for name, count in counts.items() if count + (name in on_site) >= 2}
        tags = SourceTags(
            article=[name for name in source.tags if name in keep],
            sections=[[name for name in s.tags if name in keep] for s in source.sections],
        )
        kept.append(tags)
        on_site.update(name for names in tags.sections for name in names)
    return kept


def _tags_named(writes):
    """Tags by name, creating the missing ones in the order the sources need them."""
    wanted = [set(write.tags.article).union(*write.tags.sections) for write in writes]
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=set().union(*wanted))}
    for names in wanted:
        for name in sorted(names - set(tags)):
            # The names are the vocabulary's, checked when it was read; checked
            # again here, where the import makes tags.
            tags[name] = Tag.objects.create(name=clean_tag_name(name))
    return tags
