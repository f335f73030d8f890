"""
Markdown written by editors is rendered and sanitized once, when saved. Whatever
an editor (or a pasted source) writes, the stored HTML carries no executable
markup: no scripts, no event handlers, no script URLs, no embedded documents.
"""

import html
import re
from html.parser import HTMLParser

import pytest

from articles.content.rendering import render_markdown
from articles.models import Article
from tests.factories import make_article, make_section

FORBIDDEN_TAGS = {
    "script", "svg", "math", "iframe", "frame", "frameset", "object", "embed", "applet",
    "style", "link", "meta", "base", "form", "input", "button", "textarea", "select",
    "img", "video", "audio", "source", "template", "noscript", "xml", "portal",
}
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
    "<https://example.org/\" onmouseover=\"alert(1)>",
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
    '<template><script>alert(1)</script></template>',
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
    "See also [[\"><script>alert(1)</script>]]",
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
