"""axe-core (WCAG 2.1 A/AA) in the page: the serious and critical violations inside our widgets, as readable lines.

axe-core comes from npm (``make test`` installs it into ``.venv/node``). It runs over our widgets only: Voila's
and JupyterLab's own chrome are not ours to fix.
"""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: the portal's tabs and what each shows once its first answer arrived
PORTAL_TABS = {"Search": ".ndw-search-results .ndw-dt-table tbody tr",
               "Explorer": ".ndw-explorer .ndw-dt-table tbody tr",
               "Provenance": ".ndw-provenance-runs .ndw-dt-table tbody tr", "XNAT": ".ndw-xnat-browser",
               "Globus": ".ndw-globus-browser"}


def axe_problems(page, context: str = ".jupyter-widgets") -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations inside ``context`` (a CSS selector), as readable lines."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs axe-core with npm")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async ([context, tags]) => {
        const result = await axe.run({include: [[context]]}, {runOnly: {type: 'tag', values: tags},
                                     resultTypes: ['violations']});
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 6).map((n) => ({target: n.target.join(' '), summary: n.failureSummary,
                                                   html: n.html.slice(0, 160)}))}));
    }""", [context, TAGS])
    return [f"{v['impact']} {v['id']} ({v['help']}): {n['target']} — {n['summary']} — {n['html']}"
            for v in found for n in v["nodes"]]
