"""
Markdown written by editors is rendered and sanitized once, when saved. Whatever
an editor (or a pasted source) writes, the stored HTML carries no executable
markup: no scripts, no event handlers, no script URLs, no embedded documents.
"""

import html
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.content.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    render_markdown,
    resolve_reference_markers,
)
from articles.models import Article
from articles.templatetags.reading import without_reference_links
from tests.factories import make_article, make_section

FORBIDDEN_TAGS = {
    "script", "svg", "math", "iframe", "frame", "frameset", "object", "embed", "applet",
    "style", "link", "meta", "base", "form", "input", "button", "textarea", "select",
    "img", "video", "audio", "source", "template", "noscript", "xml", "portal",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}
C0_AND_SPACE = "".join(map(chr, range(0x21)))
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "file:")

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<body onload=alert(1)>",
    "<div onmouseover='alert(1)'>hover</div>",
    "<p onclick=alert(1)>click</p>",
    '<a href="#" onfocus="alert(1)" autofocus>x</a>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    '[x](https://ok.example "title" onmouseover=alert(1))',
    "![img](javascript:alert(1))",
    '![img](x" onerror="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<data:text/html,alert(1)>",
    '<https://example.org/" onmouseover="alert(1)>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background-image:url(javascript:alert(1))">x</p>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<<script>script>alert(1)<</script>/script>",
    "<img/src=x/onerror=alert(1)>",
    '<img src="x" onerror\n="alert(1)">',
    "<a href='javascript:alert(1)'<b>x</b>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "**<script>alert(1)</script>**",
    "[[<script>alert(1)</script>]]",
    '[[x" onmouseover="alert(1)]]',
    "[[Title#<img src=x onerror=alert(1)>]]",
    'See also [["><script>alert(1)</script>]]',
    '<a href="https://ok.example/" target="_blank" rel="opener">ok</a>',
    "<xss onafterscriptexecute=alert(1)><script>1</script>",
]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def _normalise_url(value):
    """As a browser's URL parser sees it: ends trimmed, tabs and newlines dropped."""
    value = html.unescape(value or "").strip(C0_AND_SPACE)
    return re.sub(r"[\t\n\r]", "", value).lower()


def assert_inert(rendered):
    # Text may mention "onerror=" once escaped; what matters is what a parser sees as markup.
    assert "<script" not in rendered.lower()
    collector = _Collector()
    collector.feed(rendered)
    collector.close()
    for tag, attrs in collector.tags:
        assert tag not in FORBIDDEN_TAGS, rendered
        for name, value in attrs:
            assert not name.startswith("on"), rendered
            assert name not in {"style", "srcdoc", "formaction"}, rendered
            if name in URL_ATTRIBUTES:
                assert not _normalise_url(value).startswith(BAD_SCHEMES), rendered
            if tag == "a" and name == "target":
                raise AssertionError(f"target kept: {rendered}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_markdown_leaves_nothing_executable(payload):
    assert_inert(render_markdown(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_inside_a_paragraph_and_a_list(payload):
    assert_inert(render_markdown(f"Some text {payload} more text.\n\n- item {payload}\n"))


@pytest.mark.django_db
def test_stored_html_of_sections_and_leads_is_inert():
    corpus = "\n\n".join(PAYLOADS)
    article = make_article("Hostile", summary=corpus, status=Article.Status.DRAFT)
    section = make_section(article, heading="<script>alert(1)</script>", body=corpus)
    article.refresh_from_db()
    section.refresh_from_db()
    assert_inert(article.summary_html)
    assert_inert(section.body_html)


def test_safe_markup_survives():
    rendered = render_markdown(
        "A *point* with **weight**, a [link](https://example.org/a?b=1&c=2) and "
        "[mail](mailto:desk@example.org).\n\n1. one\n2. two\n\n> quoted"
    )
    assert "<em>point</em>" in rendered and "<strong>weight</strong>" in rendered
    assert 'href="https://example.org/a?b=1&amp;c=2"' in rendered
    assert 'href="mailto:desk@example.org"' in rendered
    assert "<ol>" in rendered and "<blockquote>" in rendered
    assert 'rel="noopener noreferrer nofollow"' in rendered


def test_cross_reference_markers_escape_their_text():
    rendered = render_markdown('[[A "quoted" <b>title</b>#Part & more]]')
    assert_inert(rendered)
    assert "<b>" not in rendered


# --- Cross-references never reach into attributes -----------------------------------
#
# A [[...]] is part of the Markdown parse: it becomes a marker only in running
# text, the sanitizer sees the final HTML, and the markers are resolved at
# display time by reading the stored HTML as HTML. So a [[...]] written inside
# an attribute value stays there as text, and whatever follows it stays inert.

# What the stored HTML may hold; the displayed HTML adds the resolver's links and notes.
STORED_ATTRIBUTES = {
    "p": {"class"}, "br": set(), "hr": set(), "em": set(), "strong": set(), "b": set(),
    "i": set(), "u": set(), "s": set(), "sub": set(), "sup": set(), "small": set(),
    "ul": set(), "ol": {"start"}, "li": set(), "blockquote": set(), "code": set(),
    "pre": set(), "a": {"href", "title", "rel", "class", "data-key", "data-anchor"},
    "abbr": {"title"}, "cite": set(), "q": set(), "h4": set(), "h5": set(), "h6": set(),
    "table": set(), "thead": set(), "tbody": set(), "tr": set(), "th": {"scope"},
    "td": set(), "dl": set(), "dt": set(), "dd": set(),
}  # fmt: skip
SHOWN_ATTRIBUTES = {**STORED_ATTRIBUTES, "span": {"class"}}
MARKUP_IN_A_VALUE = re.compile(r"[<>]")

ISSUE_EXAMPLES = {
    "link title": '[c](http://a "[[Foo]] <img src=x onerror=alert(1)>")',
    "abbr title": '<abbr title="[[Foo]] <img src=x onerror=alert(1)>">a</abbr>',
    "link URL": "[x](http://a/[[Foo]]<img/src/onerror=alert(1)>)",
    "meta refresh": (
        '<a title="[[Foo]] <meta http-equiv=refresh content=0;url=http://elsewhere/>">a</a>'
    ),
    "injected form": (
        '<a title="[[Foo]] <form action=/admin/logout/ method=post>">a</a>'
        "<form action=/admin/logout/ method=post><button>Go</button></form>"
    ),
    "single-quoted title": "<abbr title='[[Foo]] \"><img src=x onerror=alert(1)>'>a</abbr>",
    "reference title": '[c][r]\n\n[r]: http://a "[[Foo]] <img src=x onerror=alert(1)>"',
    "image title": '![c](http://a/i.png "[[Foo]] <img src=x onerror=alert(1)>")',
}


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements(rendered):
    parser = _Elements()
    parser.feed(rendered)
    parser.close()
    return parser.elements


def assert_only_allowed(rendered, allowed):
    """Parsed as a browser would: allowed elements and attributes, and no value holding markup."""
    for tag, attrs in elements(rendered):
        assert tag in allowed, (tag, rendered)
        for name, value in attrs:
            assert name in allowed[tag], (tag, name, rendered)
            assert not MARKUP_IN_A_VALUE.search(value or ""), (tag, name, value, rendered)


def shown(rendered):
    """The stored HTML as readers see it: every reference published, then none."""
    keys = [dict(attrs).get("data-key") for tag, attrs in elements(rendered) if tag == "a"]
    targets = {unquote(key): "/articles/a-target/" for key in keys if key is not None}
    return [
        resolve_reference_markers(rendered, targets),
        resolve_reference_markers(rendered, {}),
        str(without_reference_links(rendered)),
    ]


def test_the_allow_list_has_no_forms_metadata_styles_or_embedded_documents():
    assert not ALLOWED_TAGS & FORBIDDEN_TAGS
    assert not set(STORED_ATTRIBUTES) - ALLOWED_TAGS and not ALLOWED_TAGS - set(STORED_ATTRIBUTES)
    for tag, names in ALLOWED_ATTRIBUTES.items():
        assert names <= STORED_ATTRIBUTES[tag], tag
        assert not {name for name in names if name.startswith("on")}
        assert "style" not in names and "src" not in names


@pytest.mark.parametrize("body", ISSUE_EXAMPLES.values(), ids=ISSUE_EXAMPLES.keys())
def test_a_reference_inside_an_attribute_stays_text_in_stored_and_shown_html(body):
    stored = render_markdown(body)
    assert_only_allowed(stored, STORED_ATTRIBUTES)
    assert_inert(stored)
    assert 'class="xref"' not in stored  # no marker was made inside an attribute
    for html_shown in shown(stored):
        assert_only_allowed(html_shown, SHOWN_ATTRIBUTES)
        assert_inert(html_shown)
        for tag, _ in elements(html_shown):
            assert tag not in {"img", "meta", "form", "button"}


@pytest.mark.django_db
@pytest.mark.parametrize("body", ISSUE_EXAMPLES.values(), ids=ISSUE_EXAMPLES.keys())
def test_the_issue_examples_are_inert_on_the_article_page_and_the_staff_preview(client, body):
    make_article("Foo")  # published: every reference to it is shown as a link
    article = make_article("Hostile references", summary=body)
    make_section(article, heading="Body", body=f"Before.\n\n{body}\n\nSee also: [[Foo]]")
    draft = make_article("Hostile draft", summary=body, status=Article.Status.DRAFT)
    make_section(draft, heading="Body", body=body)
    client.force_login(User.objects.create_superuser("boss", "boss@example.org", "pw"))
    for url in (article.get_absolute_url(), reverse("preview:article", args=[draft.slug])):
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        content = page[page.index("<main") : page.index("</main>")]
        for tag, attrs in elements(content):
            assert tag not in {"img", "meta", "form", "button", "input"}, (tag, url)
            for name, _ in attrs:
                assert not name.startswith("on") and name != "http-equiv", (name, url)
    assert 'href="/articles/foo/"' in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_reference_in_an_attribute_saved_by_an_editor_stores_nothing_live():
    article = make_article("Saved", summary=ISSUE_EXAMPLES["meta refresh"])
    section = make_section(article, heading="Body", body="\n\n".join(ISSUE_EXAMPLES.values()))
    article.refresh_from_db()
    section.refresh_from_db()
    for stored in (article.summary_html, section.body_html):
        assert_only_allowed(stored, STORED_ATTRIBUTES)
        for html_shown in shown(stored):
            assert_only_allowed(html_shown, SHOWN_ATTRIBUTES)


# Pieces that, put together at random, make links, titles, raw tags, entities,
# code spans and references in every arrangement.
FRAGMENTS = [
    "[[", "]]", "[[Foo]]", "[[Foo#Bar]]", "[[A \"b\" <c>#d & e]]", "#", '"', "'", "<", ">",
    "&", "&amp;", "&quot;", "&#34;", "&#x22;", "&lt;", "&gt;", "[", "]", "(", ")", "](",
    "[x](http://a/", ' "', "')", "![i](", "<a title=\"", "<abbr title='", '<a href="',
    "http://a/", "<http://a/>", "<img src=x onerror=alert(1)>", "<meta http-equiv=refresh>",
    "<form action=/x>", "</a>", "</abbr>", ">", "`", "``", "\\", "*", "_", "\n", "\n\n",
    "    ", "- ", "1. ", "> ", "See also: ", " ", "=", "x", "[r]: http://a ", "<!--", "-->",
    "<p class=\"see-also\">", '<a class="xref" data-key="foo">',
]  # fmt: skip


@settings(derandomize=True, database=None, max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=16).map("".join))
def test_any_mix_of_references_quotes_tags_and_links_stays_allowed(body):
    stored = render_markdown(body)
    assert_only_allowed(stored, STORED_ATTRIBUTES)
    assert_inert(stored)
    for html_shown in shown(stored):
        assert_only_allowed(html_shown, SHOWN_ATTRIBUTES)
        assert_inert(html_shown)
