"""
The search backend of the database in use: a module per engine, each with the
same functions: ``expression`` and ``render`` (a query in the engine's
syntax), ``find``, ``counts`` and ``similar_terms`` (for corrections),
``write``, ``add_terms``, ``retitle``, ``delete_article``, ``delete_section``,
``clear``, ``refresh_statistics``, ``size``, ``passages_matching``.
"""

from django.db import connection

from . import postgresql, sqlite

BACKENDS = {"sqlite": sqlite, "postgresql": postgresql}


def current():
    """The backend for ``connection``, or None on a database without one (nothing is indexed)."""
    return BACKENDS.get(connection.vendor)
