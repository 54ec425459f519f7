"""The accessibility gate of the browser tests: axe-core for WCAG 2.1 A/AA, plus what axe cannot decide.

axe-core comes from the npm registry (`make vendor` copies it to tests/e2e/vendor/); it is injected through
the DevTools protocol, never served by the portal. Besides axe's rules the gate checks, in the page:
- every id named by aria-describedby / aria-labelledby exists (a hint a screen reader never reads);
- every field asking for the person's own data says its purpose with `autocomplete` (WCAG 1.3.5);
- no horizontal scrolling (WCAG 1.4.10), measured by `layout.overflow_problems`;
- every focus indicator reached with Tab is at least 3:1 against what surrounds it (WCAG 1.4.11, 2.4.7).
"""

from __future__ import annotations

from pathlib import Path

from .layout import overflow_problems

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Fields named after the account attribute they hold (see portal.forms.AUTOCOMPLETE_BY_ATTRIBUTE).
PERSONAL_DATA_NAMES = r"(^|[_-])(full_name|applicant_name|date_of_birth|phone|email|address)$"
MAX_TAB_STOPS = 80

_STRUCTURE_CHECKS = """(personalData) => {
  const problems = [];
  for (const attribute of ["aria-describedby", "aria-labelledby"]) {
    for (const element of document.querySelectorAll(`[${attribute}]`)) {
      for (const id of element.getAttribute(attribute).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) {
          problems.push(`${attribute} of ${element.name || element.id || element.tagName} names missing #${id}`);
        }
      }
    }
  }
  const pattern = new RegExp(personalData);
  for (const input of document.querySelectorAll("input, textarea, select")) {
    if (input.disabled || ["hidden", "checkbox", "radio", "file", "submit", "button"].includes(input.type)) continue;
    const personal = input.type === "tel" || input.type === "email" || pattern.test(input.name || "");
    if (personal && !(input.getAttribute("autocomplete") || "").trim()) {
      problems.push(`personal-data field ${input.name} has no autocomplete`);
    }
  }
  return problems;
}"""

_FOCUS_RING = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const luminance = (rgb) => {
    const [r, g, b] = rgb.slice(0, 3).map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const parse = (colour) => (colour.match(/[\\d.]+/g) || []).map(Number);
  const style = getComputedStyle(element);
  const label = (element.textContent || element.name || element.id || element.tagName).trim().slice(0, 40);
  const width = parseFloat(style.outlineWidth) || 0;
  if (style.outlineStyle === "none" || width < 2) {
    return `no visible focus ring on “${label}” (outline ${style.outlineStyle} ${style.outlineWidth})`;
  }
  // The ring is drawn outside the element: compare it with the first opaque background around it.
  let background = [255, 255, 255];
  for (let node = element.parentElement; node; node = node.parentElement) {
    const colour = parse(getComputedStyle(node).backgroundColor);
    if (colour.length === 3 || (colour.length === 4 && colour[3] > 0.5)) { background = colour; break; }
  }
  const ring = parse(style.outlineColor);
  const [light, dark] = [luminance(ring), luminance(background)].sort((a, b) => b - a);
  const ratio = (light + 0.05) / (dark + 0.05);
  return ratio < 3 ? `focus ring on “${label}” is ${ratio.toFixed(2)}:1 against its background` : null;
}"""


def axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in violation["nodes"][:5])
        for violation in result["violations"]
    ]


def focus_problems(page) -> list[str]:
    """Tab through the page from the top and look at each focus ring."""
    # Tabbing wraps round the document, so starting wherever focus is covers every stop once.
    problems, seen = [], set()
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        key = page.evaluate(
            "() => { const e = document.activeElement; return e ? e.outerHTML.slice(0, 200) : null; }"
        )
        if key is None or key in seen:
            break
        seen.add(key)
        if (problem := page.evaluate(_FOCUS_RING)) is not None:
            problems.append(problem)
    return problems


def audit(page, *, width: int, focus: bool = True) -> list[str]:
    """Everything the gate finds wrong on the page laid out `width` px wide (an empty list when it passes)."""
    problems = overflow_problems(page, (width,))  # resizes the window, the page is not reloaded
    problems += axe_violations(page) + page.evaluate(_STRUCTURE_CHECKS, PERSONAL_DATA_NAMES)
    if focus:
        problems += focus_problems(page)
    return problems


def accessibility_problems(page, *, widths=(360, 1280)) -> list[str]:
    """The gate on the page at each width; the focus rings are walked at the widest."""
    return [
        f"[{width}px] {problem}"
        for width in widths
        for problem in audit(page, width=width, focus=width == max(widths))
    ]


def assert_accessible(page, *, widths=(360, 1280)) -> None:
    found = accessibility_problems(page, widths=widths)
    assert not found, f"{page.url}:\n" + "\n".join(found)
