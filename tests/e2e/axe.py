"""axe-core in the browser suite: the pinned npm package (benchmarks/web/package.json) is injected
into a page and run; critical and serious violations are what the suite refuses.

Injected with `page.evaluate` (the DevTools protocol), so the app's Content-Security-Policy, which
forbids inline scripts, stays as strict as in production."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "benchmarks" / "web" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")

# Toasts are left out: they fade in and out and stack half-transparent, so axe measures their
# contrast mid-animation (2.0–4.3:1 for sonner's default dark-on-white text, seen on several pages).
_RUN = """async (blocking) => {
  const context = {exclude: [["[data-sonner-toaster]"]]};
  const result = await window.axe.run(context, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => blocking.includes(v.impact))
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ` + v.nodes.slice(0, 3).map((n) =>
      n.target.join(" ") + ((n.any[0] || {}).message ? ` (${n.any[0].message.slice(0, 170)})` : "")).join(" | "));
}"""


def axe_available() -> bool:
    return AXE_JS.exists()


def axe_blockers(page) -> list[str]:
    """The page's critical and serious axe violations, as readable lines ('serious color-contrast: …')."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return [f"{page.url}: {line}" for line in page.evaluate(_RUN, list(BLOCKING))]
