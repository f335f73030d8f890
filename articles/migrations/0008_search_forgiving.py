"""
Search that forgives (articles/search/): each index entry also holds its
hyphenated compounds written as one word ("peace-keeping" → "peacekeeping"),
so that the word finds the compound, and the index keeps a vocabulary of its
words, from which "Did you mean …" corrections are drawn.

SQLite: the FTS5 table gains a ``variants`` column (FTS5 tables cannot add
one: it is made again, with the same stemming tokenizer, from the text the
old table holds) and a table of words keyed by length. PostgreSQL: the
entries gain ``variants``, the weighted tsvector takes it in at the lowest
weight, and the words go in a table with a trigram index, which needs the
pg_trgm extension (part of PostgreSQL's contrib modules, and a trusted
extension: the database's owner may create it).

Existing entries are read back from the index itself, in batches, so the
index is whole again when this migration ends.
"""

from django.db import migrations

from articles.search.text import compounds, vocabulary

INDEX = "articles_search_index"
TERMS = "articles_search_term"
BATCH = 500
TOKENIZE = "porter unicode61 remove_diacritics 2"

DOCUMENT = """
    setweight(to_tsvector('english'::regconfig, title), 'A')
    || setweight(to_tsvector('english'::regconfig, heading), 'A')
    || setweight(to_tsvector('english'::regconfig, summary), 'B')
    || setweight(to_tsvector('english'::regconfig, body), 'C')
"""
VARIANTS_DOCUMENT = DOCUMENT + " || setweight(to_tsvector('english'::regconfig, variants), 'D')"


def _entries(cursor, select):
    """The index's entries as (key, title, heading, summary, body), a batch at a time."""
    last = -(2**63)
    while True:
        cursor.execute(select, [last, BATCH])
        batch = cursor.fetchall()
        if not batch:
            return
        last = batch[-1][0]
        yield batch


def _forms(key, title, heading, summary, body):
    """An entry's variants and vocabulary, as the indexer makes them (rows.IndexEntry)."""
    variants = compounds(title, summary) if key < 0 else compounds(heading, body)
    return variants, vocabulary(title, heading, summary, body, variants)


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_copy(cursor, *, with_variants):
    """Make the FTS5 table again (with or without variants) from the one it replaces."""
    columns = "title, heading, summary, body" + (", variants" if with_variants else "")
    cursor.execute(f"ALTER TABLE {INDEX} RENAME TO {INDEX}_old")
    cursor.execute(f"CREATE VIRTUAL TABLE {INDEX} USING fts5({columns}, tokenize = '{TOKENIZE}')")
    select = (
        f"SELECT rowid, title, heading, summary, body FROM {INDEX}_old "
        "WHERE rowid > %s ORDER BY rowid LIMIT %s"
    )
    placeholders = ", ".join(["%s"] * (len(columns.split(",")) + 1))
    for batch in _entries(cursor, select):
        rows, words = [], set()
        for row in batch:
            variants, found = _forms(*row)
            rows.append((*row, variants) if with_variants else row)
            words |= found
        cursor.executemany(f"INSERT INTO {INDEX} (rowid, {columns}) VALUES ({placeholders})", rows)
        if with_variants:
            cursor.executemany(
                f"INSERT OR IGNORE INTO {TERMS} (length, term) VALUES (%s, %s)",
                [(len(word), word) for word in sorted(words)],
            )
    cursor.execute(f"DROP TABLE {INDEX}_old")


def _sqlite_forward(cursor):
    cursor.execute(
        f"CREATE TABLE {TERMS} (length integer NOT NULL, term text NOT NULL, "
        "PRIMARY KEY (length, term)) WITHOUT ROWID"
    )
    _sqlite_copy(cursor, with_variants=True)


def _sqlite_backward(cursor):
    _sqlite_copy(cursor, with_variants=False)
    cursor.execute(f"DROP TABLE {TERMS}")


# --- PostgreSQL --------------------------------------------------------------------------


def _postgresql_document(cursor, expression):
    cursor.execute(
        f"ALTER TABLE {INDEX} ADD COLUMN document tsvector GENERATED ALWAYS AS ({expression}) STORED"
    )
    cursor.execute(f"CREATE INDEX {INDEX}_document ON {INDEX} USING GIN (document)")


def _postgresql_forward(cursor):
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # The tsvector goes while the variants are written (each write would
    # compute it again), and comes back computed once for every entry.
    cursor.execute(f"DROP INDEX {INDEX}_document")
    cursor.execute(f"ALTER TABLE {INDEX} DROP COLUMN document")
    cursor.execute(f"ALTER TABLE {INDEX} ADD COLUMN variants text NOT NULL DEFAULT ''")
    cursor.execute(f"CREATE TABLE {TERMS} (term text PRIMARY KEY)")
    cursor.execute(f"CREATE INDEX {TERMS}_trigram ON {TERMS} USING GIN (term gin_trgm_ops)")
    select = (
        f"SELECT id, title, heading, summary, body FROM {INDEX} WHERE id > %s ORDER BY id LIMIT %s"
    )
    for batch in _entries(cursor, select):
        changed, words = [], set()
        for row in batch:
            variants, found = _forms(*row)
            if variants:
                changed.append((variants, row[0]))
            words |= found
        cursor.executemany(f"UPDATE {INDEX} SET variants = %s WHERE id = %s", changed)
        cursor.execute(
            f"INSERT INTO {TERMS} (term) SELECT unnest(%s::text[]) ON CONFLICT (term) DO NOTHING",
            [sorted(words)],
        )
    _postgresql_document(cursor, VARIANTS_DOCUMENT)
    cursor.execute(f"ANALYZE {INDEX}, {TERMS}")


def _postgresql_backward(cursor):
    cursor.execute(f"DROP TABLE {TERMS}")
    cursor.execute(f"DROP INDEX {INDEX}_document")
    cursor.execute(f"ALTER TABLE {INDEX} DROP COLUMN document")
    cursor.execute(f"ALTER TABLE {INDEX} DROP COLUMN variants")
    _postgresql_document(cursor, DOCUMENT)


STEPS = {
    "sqlite": (_sqlite_forward, _sqlite_backward),
    "postgresql": (_postgresql_forward, _postgresql_backward),
}


def forward(apps, schema_editor):
    steps = STEPS.get(schema_editor.connection.vendor)
    if steps is not None:
        with schema_editor.connection.cursor() as cursor:
            steps[0](cursor)


def backward(apps, schema_editor):
    steps = STEPS.get(schema_editor.connection.vendor)
    if steps is not None:
        with schema_editor.connection.cursor() as cursor:
            steps[1](cursor)


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_article_slug_help_text")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
