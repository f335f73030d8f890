"""
SQLite: beside the full-text index, a small FTS5 table of each row's title
and heading (articles/search.py). Passages whose title or heading holds
every word are ranked first; found in the full index, they cost a walk past
every passage that merely mentions the words, and bm25 a read of each word's
every occurrence, tens of milliseconds for common words at 10,000 articles.
Nothing changes on PostgreSQL, where a GIN index on the title and heading
does this already.
"""

from django.db import migrations

TABLE = "articles_search_index"
HEADINGS = "articles_search_heading"


def create_headings(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE {HEADINGS} USING fts5("
        "title, heading, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    schema_editor.execute(
        f"INSERT INTO {HEADINGS} (rowid, title, heading) SELECT rowid, title, heading FROM {TABLE}"
    )


def drop_headings(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {HEADINGS}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_section_tag_newest")]

    operations = [migrations.RunPython(create_headings, drop_headings, elidable=False)]
