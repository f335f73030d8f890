"""
Citing an article or one of its passages: APA (7th edition), Chicago
(notes and bibliography, bibliography entry), BibTeX and RIS, all from one
``Citation``. The site is the author (its articles carry no personal byline)
and the publisher; the link is the article's canonical address, with the
passage's anchor, which stays the same when other passages are edited.

Pure functions: no queries, no request. The HTML forms escape every value.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.html import format_html

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Words a citation key skips to find the first one that says something.
_KEY_SKIPS = {"a", "an", "the", "of", "on", "in", "and", "for", "to"}
_BIBTEX_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
_BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


@dataclass(frozen=True)
class Citation:
    site: str
    article_title: str
    url: str  # absolute: the article's canonical address, with the passage's anchor
    published: datetime | None
    heading: str = ""  # a passage's heading; empty for the whole article
    language: str = "en-GB"
    keywords: tuple = field(default=())

    @property
    def title(self):
        return self.heading or self.article_title

    @property
    def date(self):
        if self.published is None:
            return None
        return (
            timezone.localtime(self.published)
            if timezone.is_aware(self.published)
            else self.published
        )


def _date_apa(date):
    return f"{date.year}, {MONTHS[date.month - 1]} {date.day}" if date else "n.d."


def _date_chicago(date):
    return f"{MONTHS[date.month - 1]} {date.day}, {date.year}" if date else "n.d."


def _sentence(text):
    """Text ending with one full stop (or its own question or exclamation mark)."""
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else f"{text}."


# --- APA -----------------------------------------------------------------------------


def apa_html(citation):
    """APA: the work's title in italics; a passage is a part "In" the article."""
    date = _date_apa(citation.date)
    if citation.heading:
        return format_html(
            "{}. ({}). {} In <i>{}</i>. {}",
            citation.site,
            date,
            _sentence(citation.heading),
            citation.article_title,
            citation.url,
        )
    return format_html(
        "{}. ({}). <i>{}</i>. {}", citation.site, date, citation.article_title, citation.url
    )


def apa_text(citation):
    return _plain(apa_html(citation))


# --- Chicago ---------------------------------------------------------------------------


def chicago_html(citation):
    """Chicago bibliography entry for a web page, the site as author and publisher."""
    date = _date_chicago(citation.date)
    if citation.heading:
        return format_html(
            "{}. “{}” In “{}” {}, {}. {}.",
            citation.site,
            _sentence(citation.heading),
            _sentence(citation.article_title),
            citation.site,
            date,
            citation.url,
        )
    return format_html(
        "{}. “{}” {}, {}. {}.",
        citation.site,
        _sentence(citation.article_title),
        citation.site,
        date,
        citation.url,
    )


def chicago_text(citation):
    return _plain(chicago_html(citation))


def _plain(html):
    text = re.sub(r"<[^>]+>", "", str(html))
    return (
        text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#x27;", "'")
    )


# --- BibTeX ------------------------------------------------------------------------------


def bibtex_escape(text):
    return _BIBTEX_SPECIAL.sub(
        lambda match: _BIBTEX_ESCAPES.get(match.group(0), "\\" + match.group(0)), text
    )


def _key_word(text):
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    return next((word for word in words if word not in _KEY_SKIPS), words[0] if words else "")


def bibtex_key(citation):
    year = citation.date.year if citation.date else "nd"
    key = f"{_key_word(citation.site)}{year}{_key_word(citation.article_title)}"
    if citation.heading:
        key += f"-{_key_word(citation.heading)}"
    return key


def bibtex(citation):
    """A @misc entry (what BibTeX styles print for a web page), titles kept as written."""
    fields = [
        ("author", f"{{{bibtex_escape(citation.site)}}}"),
        ("title", f"{{{bibtex_escape(citation.title)}}}"),
    ]
    if citation.heading:
        fields.append(("booktitle", f"{{{bibtex_escape(citation.article_title)}}}"))
    fields.append(("publisher", bibtex_escape(citation.site)))
    if citation.date:
        fields.append(("year", str(citation.date.year)))
        fields.append(("month", BIBTEX_MONTHS[citation.date.month - 1]))
    fields.append(("url", citation.url))
    fields.append(("howpublished", f"\\url{{{citation.url}}}"))
    if citation.heading:
        fields.append(("note", f"Section of ``{bibtex_escape(citation.article_title)}''"))
    lines = [f"@misc{{{bibtex_key(citation)},"]
    for name, value in fields:
        braced = value if name == "month" else f"{{{value}}}"
        lines.append(f"  {name} = {braced},")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- RIS ------------------------------------------------------------------------------------


def ris(citation):
    """An RIS record (an electronic source), lines ending in CRLF as the format asks."""
    tags = [("TY", "ELEC"), ("AU", citation.site), ("TI", citation.title)]
    if citation.heading:
        tags.append(("T2", citation.article_title))
    if citation.date:
        tags.append(("PY", str(citation.date.year)))
        tags.append(("DA", citation.date.strftime("%Y/%m/%d")))
    tags += [("PB", citation.site), ("UR", citation.url), ("LA", citation.language)]
    tags += [("KW", keyword) for keyword in citation.keywords]
    tags.append(("ER", ""))
    return "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in tags)


def _one_line(value):
    return " ".join(str(value).split())


def all_formats(citation):
    """What a Cite control shows: each format by name."""
    return {
        "apa": apa_html(citation),
        "chicago": chicago_html(citation),
        "bibtex": bibtex(citation),
    }
