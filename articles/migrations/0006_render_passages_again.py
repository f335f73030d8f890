"""
Render every lead and section again from its Markdown. HTML stored before
cross-references became part of the Markdown parse may hold markup that a
``[[...]]`` inside an attribute value let through; the renderer of today
stores none, and its markers are the ones the pages resolve.
"""

from django.db import migrations

BATCH = 500


def render_again(apps, schema_editor):
    from articles.content.rendering import render_markdown

    for model, source, rendered in (
        (apps.get_model("articles", "Article"), "summary", "summary_html"),
        (apps.get_model("articles", "Section"), "body", "body_html"),
    ):
        last = 0
        # Batches by primary key, each read before it is written: SQLite does
        # not isolate a write from a read still going on the same table.
        while batch := list(
            model.objects.filter(pk__gt=last).order_by("pk").only(source, rendered)[:BATCH]
        ):
            last = batch[-1].pk
            changed = []
            for row in batch:
                html = render_markdown(getattr(row, source))
                if html != getattr(row, rendered):
                    setattr(row, rendered, html)
                    changed.append(row)
            model.objects.bulk_update(changed, [rendered])


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_search_headings")]

    operations = [migrations.RunPython(render_again, migrations.RunPython.noop, elidable=True)]
