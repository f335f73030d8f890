"""
axe-core over every public page, at desktop and phone widths: no serious or
critical violation. Lesser ones are printed (run with -s to see them).

The site's Content-Security-Policy rightly forbids inline scripts, and
Playwright injects axe as an inline script, so these contexts bypass CSP.
"""

import pytest

from .conftest import DESKTOP, EXPECTED_STATUS, PHONE, PUBLIC_PAGES

pytestmark = pytest.mark.browser

FAILING_IMPACTS = {"serious", "critical"}

RUN_AXE = """
async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map(n => n.target.join(" ")),
    }));
}
"""


def describe(name, path, violation):
    targets = ", ".join(violation["targets"][:5])
    more = len(violation["targets"]) - 5
    if more > 0:
        targets += f" (and {more} more)"
    return (
        f"{name} {path}: {violation['id']} [{violation['impact']}] {violation['help']} — {targets}"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_public_pages_have_no_serious_accessibility_violations(
    axe_script, site, new_context, viewport
):
    page = new_context(viewport=viewport, bypass_csp=True).new_page()
    failures, notes = [], []
    for name, path in PUBLIC_PAGES.items():
        response = page.goto(path)
        assert response.status == EXPECTED_STATUS.get(name, 200), f"{name} {path}"
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
