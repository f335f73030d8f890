"""
Cross-references keep the sentence they stand in (``context``), so that an
article's "Referenced by" shows, for each citing passage, the sentence that
cites it without reading the citing Markdown on each request. The reference
service fills it whenever it parses a passage; this fills it for the rows
stored before, passage by passage, from each passage's Markdown.
"""

from django.db import migrations, models

BATCH = 500


def fill_contexts(apps, schema_editor):
    from articles.content.reference_syntax import references_in_context

    CrossReference = apps.get_model("articles", "CrossReference")
    Article = apps.get_model("articles", "Article")
    Section = apps.get_model("articles", "Section")
    last = 0
    # Batches by primary key, each read before it is written (SQLite does not
    # isolate a write from a read still going on the same table).
    while batch := list(
        CrossReference.objects.filter(pk__gt=last)
        .order_by("pk")
        .only("pk", "position", "source_article_id", "source_section_id")[:BATCH]
    ):
        last = batch[-1].pk
        sections = Section.objects.in_bulk(
            {r.source_section_id for r in batch if r.source_section_id}
        )
        leads = Article.objects.in_bulk(
            {r.source_article_id for r in batch if not r.source_section_id}
        )
        contexts = {}  # passage -> {position: context}
        for reference in batch:
            passage = ("section", reference.source_section_id) if reference.source_section_id else (
                "lead",
                reference.source_article_id,
            )
            if passage not in contexts:
                if passage[0] == "section":
                    section = sections[passage[1]]
                    text, base = section.body, section.position * 1000
                else:
                    text, base = leads[passage[1]].summary, 0
                contexts[passage] = {
                    base + index: found[3]
                    for index, found in enumerate(references_in_context(text))
                }
            reference.context = contexts[passage].get(reference.position, "")
        CrossReference.objects.bulk_update(batch, ["context"])


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_search_forgiving")]

    operations = [
        migrations.AddField(
            model_name="crossreference",
            name="context",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The sentence the reference stands in, as plain text (empty on a See also line).",
            ),
        ),
        migrations.RunPython(fill_contexts, migrations.RunPython.noop, elidable=True),
    ]
