"""
The edit-conflict screen. When the article form refuses a save over a newer
version (``ArticleAdminForm.check_version``), the forms come back holding the
other editor's version with this editor's changes on top, the fields both
changed are named, and the history's side-by-side comparison shows what
saving again would write.
"""

from ..content.history import compare
from ..content.text import ArticleContent, SectionContent
from ..models import Article
from .forms import tag_names


def conflict_context(form, formsets, article):
    """What the change form shows after ``form`` found an edit conflict."""
    both = show_conflict(form, formsets)
    return {"conflict_both": both, "conflict_diff": conflict_diff(form, formsets, article)}


def show_conflict(article_form, formsets):
    """
    Put the saved value into every field that only the other editor changed,
    so that the forms hold what saving again would write. Returns the labels
    of the fields both editors changed, where this editor's value stays in the
    form (and would replace the other's).
    """
    forms_and_places = [(article_form, "")] + [
        (form, f"Section “{form.initial.get('heading', '')}”: ")
        for formset in formsets
        for form in formset.forms
        if form.instance.pk is not None
    ]
    both = []
    for form, place in forms_and_places:
        mine = set(form.changed_data)
        theirs = form.changed_by_others()
        form.show_saved_values([name for name in theirs if name not in mine])
        both += [f"{place}{form.fields[name].label}" for name in theirs if name in mine]
    return both


def _section(position, level, heading, anchor, body, tags):
    return SectionContent(
        level=level, heading=heading, anchor=anchor, body=body, tags=tags, position=position
    )


def saved_content(article):
    """
    The article as saved now, and its sections by id (the forms name them by
    id). Three queries.
    """
    article = Article.objects.prefetch_related("tags").get(pk=article.pk)
    sections = {
        s.pk: _section(s.position, s.level, s.heading, s.anchor, s.body, tag_names(s.tags.all()))
        for s in article.sections.order_by("position", "id").prefetch_related("tags")
    }
    content = ArticleContent(
        title=article.title,
        summary=article.summary,
        tags=tag_names(article.tags.all()),
        sections=sections.values(),
    )
    return content, sections


def submitted_content(form, formsets, saved_sections):
    """The article as saving these forms would leave it: sections not in them stay as saved."""
    sections = dict(saved_sections)
    for formset in formsets:
        for index, section_form in enumerate(formset.forms):
            pk = section_form.instance.pk
            if pk is None and not section_form.has_changed():
                continue
            if formset.can_delete and section_form["DELETE"].value():
                sections.pop(pk, None)
                continue
            value = {name: section_form[name].value() for name in section_form.fields}
            position = str(value.get("position", ""))
            sections[pk or f"new {index}"] = _section(
                int(position) if position.isdigit() else index,
                value.get("level") or "",
                value.get("heading") or "",
                value.get("anchor") or "",
                value.get("body") or "",
                tag_names(value.get("tags")),
            )
    ordered = sorted(
        sections.items(),
        key=lambda item: (item[1].position, item[0] if isinstance(item[0], int) else 0),
    )
    return ArticleContent(
        title=form["title"].value() or "",
        summary=form["summary"].value() or "",
        tags=tag_names(form["tags"].value()),
        sections=[section for _, section in ordered],
    )


def conflict_diff(form, formsets, article):
    """What saving these forms again would change in the version saved now: a Comparison."""
    saved, saved_sections = saved_content(article)
    return compare(saved, submitted_content(form, formsets, saved_sections))
