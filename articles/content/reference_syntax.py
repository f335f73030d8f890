"""
How a cross-reference is written — ``[[Title]]`` or ``[[Title#Section
heading]]`` — and the names it is matched by. No models here, so that the
models, the Markdown renderer and an import's worker processes share this
one definition; ``references`` holds the services that store and resolve them.
"""

import re
import unicodedata

from django.utils.text import slugify

# [[Title]] or [[Title#Heading]]; no brackets or newlines inside.
REFERENCE_PATTERN = re.compile(r"\[\[([^\[\]\n#|]{1,300})(?:#([^\[\]\n|]{1,300}))?\]\]")
SEE_ALSO_PATTERN = re.compile(r"^\s*see also\b", re.IGNORECASE)


def normalize_title(title):
    """The key two titles are compared by: case, spacing and quote style ignored."""
    text = unicodedata.normalize("NFKC", title or "")
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text[:255]


def target_key_and_slug(title):
    """
    What a reference to ``title`` is matched by: an article whose
    ``title_key`` is the key, or else whose ``slug`` is the slug.
    """
    return normalize_title(title), slugify(title)[:255]


def heading_anchor(heading):
    """The #fragment a reference to a section heading links to."""
    return slugify(heading) if heading else ""


def written_title(text):
    """A title or heading as a reference states it: spacing collapsed."""
    return " ".join((text or "").split())


def extract_references(body):
    """Every ``[[...]]`` in a Markdown body: (title, heading, is_see_also), in order."""
    references = []
    for line in (body or "").splitlines():
        see_also = bool(SEE_ALSO_PATTERN.match(line))
        for match in REFERENCE_PATTERN.finditer(line):
            title = written_title(match.group(1))
            if title:
                references.append((title, written_title(match.group(2)), see_also))
    return references
