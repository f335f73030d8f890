"""
axe-core over the editors' pages, as an Editor (not a superuser), at desktop
and phone widths: the dashboard, the change form, the history and the
compare page. No serious or critical violation; lesser ones are printed.
"""

import pytest
from reversion.models import Version

from articles.admin.revisions import recorded_revision
from articles.models import Article
from tests.factories import make_article, make_editor

from .conftest import DESKTOP
from .test_accessibility import FAILING_IMPACTS, RUN_AXE, describe
from .test_editor import PASSWORD, log_in

pytestmark = pytest.mark.browser

# The width the issue names for a phone.
PHONE = {"width": 390, "height": 844}


def versioned_article(editor):
    article = make_article(
        "Versions of Coastal Patrols",
        summary="The first lead about coastal patrols.",
        sections=[
            {"heading": "Patrol routes", "body": "Routes along the coast.", "tags": ["Navy"]}
        ],
        tags=["Maritime security"],
    )
    for lead in ("A second lead about patrols.", "A third lead, about patrol boats."):
        with recorded_revision(user=editor, comment="Changed Summary."):
            article.summary = lead
            article.save()
    with recorded_revision(user=editor, comment="Unpublished."):
        article.status = Article.Status.DRAFT
        article.save()
    return article


def admin_pages(article):
    versions = list(Version.objects.get_for_object(article).order_by("pk"))
    base = f"/admin/articles/article/{article.pk}"
    return {
        "dashboard": "/admin/",
        "article list": "/admin/articles/article/",
        "change form": f"{base}/change/",
        "add form": "/admin/articles/article/add/",
        "history": f"{base}/history/",
        "compare": f"{base}/history/compare/?from={versions[0].pk}&to={versions[-1].pk}",
    }


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_editor_pages_have_no_serious_accessibility_violations(
    axe_script, site, new_context, viewport
):
    editor = make_editor("reader", password=PASSWORD)
    article = versioned_article(editor)
    page = new_context(viewport=viewport, bypass_csp=True).new_page()
    log_in(page, "reader")
    failures, notes = [], []
    for name, path in admin_pages(article).items():
        response = page.goto(path)
        assert response.status == 200, f"{name} {path}"
        page.add_script_tag(path=str(axe_script))
        for violation in page.evaluate(RUN_AXE):
            line = describe(name, path, violation)
            (failures if violation["impact"] in FAILING_IMPACTS else notes).append(line)
    if notes:
        print("\naxe, minor and moderate:\n  " + "\n  ".join(notes))
    assert not failures, (
        f"axe found serious or critical violations at {viewport['width']}px:\n  "
        + "\n  ".join(failures)
    )
