"""
The full-text search index (see articles/search.py): an FTS5 table on SQLite,
a table with a weighted, generated tsvector and a GIN index on PostgreSQL.
Nothing in Django's model state changes. Existing content is indexed here;
later saves keep the index right through the signal hooks.
"""

from django.db import migrations

from articles.content.rendering import plain_text

TABLE = "articles_search_index"

# The FTS5 table holds only the text; which article a row belongs to lives in a
# small ordinary table beside it, so filtering thousands of matches by article
# never reads the (large) stored text.
SQLITE_CREATE = [
    f"""
    CREATE VIRTUAL TABLE {TABLE} USING fts5(
        title, heading, summary, body,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
    f"CREATE TABLE {TABLE}_entry (id integer PRIMARY KEY, article_id integer NOT NULL)",
    f"CREATE INDEX {TABLE}_entry_article ON {TABLE}_entry (article_id)",
]

POSTGRESQL_CREATE = [
    f"""
    CREATE TABLE {TABLE} (
        id bigint PRIMARY KEY,
        article_id bigint NOT NULL,
        section_id bigint NULL UNIQUE,
        title text NOT NULL DEFAULT '',
        heading text NOT NULL DEFAULT '',
        summary text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, title), 'A')
            || setweight(to_tsvector('english'::regconfig, heading), 'A')
            || setweight(to_tsvector('english'::regconfig, summary), 'B')
            || setweight(to_tsvector('english'::regconfig, body), 'C')
        ) STORED,
        heading_document tsvector GENERATED ALWAYS AS (
            to_tsvector('english'::regconfig, title)
            || to_tsvector('english'::regconfig, heading)
        ) STORED
    )
    """,
    f"CREATE INDEX {TABLE}_article ON {TABLE} (article_id)",
    f"CREATE INDEX {TABLE}_document ON {TABLE} USING GIN (document)",
    # Title and heading alone: the few passages ranked first, found without
    # reading the (many) rows that only mention the words in their text.
    f"CREATE INDEX {TABLE}_heading_document ON {TABLE} USING GIN (heading_document)",
]

SENTINELS = str.maketrans("", "", "\ue000\ue001")


def _text(rendered):
    return plain_text(rendered).translate(SENTINELS)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements, columns = SQLITE_CREATE, "rowid, title, heading, summary, body"
    elif vendor == "postgresql":
        statements = POSTGRESQL_CREATE
        columns = "id, article_id, title, heading, summary, body, section_id"
    else:
        return
    for statement in statements:
        schema_editor.execute(statement)

    Article = apps.get_model("articles", "Article")
    Section = apps.get_model("articles", "Section")
    rows = [
        (-pk, pk, title, "", _text(summary_html), "")
        for pk, title, summary_html in Article.objects.values_list("pk", "title", "summary_html")
    ]
    rows += [
        (pk, article_id, title, heading, "", _text(body_html))
        for pk, article_id, title, heading, body_html in Section.objects.values_list(
            "pk", "article_id", "article__title", "heading", "body_html"
        )
    ]
    placeholders = ", ".join(["%s"] * len(columns.split(",")))
    with schema_editor.connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.executemany(
                f"INSERT INTO {TABLE}_entry (id, article_id) VALUES (%s, %s)",
                [row[:2] for row in rows],
            )
            rows = [(row[0], *row[2:]) for row in rows]
        else:
            rows = [(*row, row[0] if row[0] > 0 else None) for row in rows]
        cursor.executemany(f"INSERT INTO {TABLE} ({columns}) VALUES ({placeholders})", rows)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor in {"sqlite", "postgresql"}:
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}_entry")


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
