"""axe-core (npm, pinned in the Makefile, installed into node_modules by `make e2e-deps`) on the
main pages: no serious or critical violation. Also the keyboard: the skip link comes first."""

import json

import pytest

from programs.models import Package
from programs.services import programs_seed
from tests.e2e.conftest import AXE_JS, url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# WCAG 2.0/2.1 A and AA rules, as the issue asks (labels, contrast, landmarks, keyboard).
AXE_RUN = """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"""


def _violations(user, path, charts=False):
    page = user.page
    page.goto(path)
    if charts:
        user.wait_for_charts()
    page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(AXE_RUN)


def test_the_main_pages_have_no_serious_or_critical_axe_violations(browse, world):
    assert AXE_JS.exists(), f"{AXE_JS} is missing: run `make e2e-deps` (npm install axe-core)"
    programs_seed()
    package = Package.objects.get(code="bpu-jkk-jkm")
    found = {}
    # bypass_csp: the axe script is injected by the test, not served by the app.
    anonymous = browse(bypass_csp=True)
    found["login"] = _violations(anonymous, url("login"))

    admin = browse(bypass_csp=True)
    admin.login("admin")
    for path in (
        url("coverage:region_dashboard", code="ID"),
        url("coverage:region_dashboard", code="35", query="periode=2025-05"),
        url("coverage:region_dashboard", code="35.73", query="periode=2025-05"),
        url("coverage:office_dashboard", code="KC-MALANG"),
        url("coverage:region_dashboard", code="35", query="periode=2025-Q2"),
    ):
        found[path] = _violations(admin, path, charts=True)
    found["league"] = _violations(admin, url("coverage:league_table", query="periode=2025-05"))
    found["league-quarter"] = _violations(admin, url("coverage:league_table", query="periode=2025-Q2&kelompok=kota"))
    found["scorecard"] = _violations(admin, url("coverage:scorecard", query="tahun=2025"))
    simulator = url("programs:simulator", query=f"region=35.73&year=2025&start_month=7&months=6&package={package.pk}")
    found["simulator"] = _violations(admin, simulator + "&workers=5000", charts=True)
    found["verification"] = _violations(admin, url("coverage:verification_queue"))

    operator = browse(bypass_csp=True)
    operator.login("operator.kotamalang")
    found["entry"] = _violations(operator, url("coverage:entry_grid", code="35.73", query="periode=2025-06"))

    serious = {page: issues for page, issues in found.items() if issues}
    assert serious == {}, json.dumps(serious, indent=1)
    for user in (anonymous, admin, operator):
        user.assert_clean()


def test_the_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_main(browse, world):
    user = browse()
    page = user.login("kacab.malang")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    user.assert_clean()
