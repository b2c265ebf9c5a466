"""axe-core in the browser tests: the pinned copy in tests/browser/vendor (see its README), run
with every WCAG 2.0, 2.1 and 2.2 level A and AA rule, and its violations in a readable form."""

import hashlib
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE = VENDOR / "axe-4.14.1.min.js"
# npm's axe-core@4.14.1, package/axe.min.js (tests/browser/vendor/README.md says how to refresh).
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

RUN = """async (tags) => {
  const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
  const result = await axe.run(document, options);
  return {
    violations: result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({target: n.target.join(' '), summary: n.failureSummary})),
    })),
  };
}"""


def axe_source() -> str:
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, f"{AXE.name} is not npm's copy"
    return source.decode()


def rules_checked(frame) -> list[str]:
    """The ids of the rules the tags select (axe must already be in the frame)."""
    script = "(tags) => axe.getRules(tags).map((r) => r.ruleId)"
    return frame.evaluate(script, TAGS)


def run_axe(frame) -> list[dict]:
    """The violations axe finds in `frame` (a Playwright Page or Frame), injecting axe first."""
    if not frame.evaluate("() => typeof window.axe !== 'undefined'"):
        frame.add_script_tag(content=axe_source())
    return frame.evaluate(RUN, TAGS)["violations"]


def describe(found: dict[str, list[dict]]) -> str:
    """One line per failing element: page, rule id, target and what axe says to fix."""
    lines = []
    for where, violations in found.items():
        for violation in violations:
            for node in violation["nodes"]:
                lines.append(
                    f"{where}: {violation['id']} ({violation['impact']}) {node['target']}"
                    f" — {violation['help']}"
                )
    return "\n".join(lines)
