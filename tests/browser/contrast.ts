/**
 * Colour contrast as WCAG 2.x computes it, for the elements' tests in light and dark mode: every
 * visible text of a shadow root against the background behind it.
 */
/** The contrast ratio of two CSS colours (WCAG 2.x relative luminance), from `rgb()`/`rgba()` text. */
export function contrast(foreground: string, background: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = color
      .match(/[\d.]+/g)!
      .slice(0, 3)
      .map((value) => {
        const channel = Number(value) / 255;
        return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

/** The first opaque background behind `element`, walking up through shadow roots to the page. */
function backgroundOf(element: Element): string {
  for (let node: Element | null = element; node; ) {
    const background = getComputedStyle(node).backgroundColor;
    const alpha = background.startsWith('rgba') ? Number(background.match(/[\d.]+/g)![3]) : 1;
    if (alpha >= 0.85) return background;
    node = node.parentElement ?? ((node.getRootNode() as ShadowRoot).host || null);
  }
  return getComputedStyle(document.documentElement).backgroundColor.startsWith('rgba(0, 0, 0, 0)')
    ? 'rgb(255, 255, 255)'
    : getComputedStyle(document.documentElement).backgroundColor;
}

/**
 * Every visible text in `root` (and the shadow roots within) whose colour has a contrast below
 * `minimum` against the background behind it: `"text: ratio"` for each.
 */
export function lowContrastTexts(root: ShadowRoot | Element, minimum = 4.5): string[] {
  const failures: string[] = [];
  const visit = (scope: ShadowRoot | Element) => {
    for (const element of scope.querySelectorAll('*')) {
      if (element.shadowRoot) visit(element.shadowRoot);
      const own = [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent!.trim());
      const field = element instanceof HTMLInputElement || element instanceof HTMLSelectElement;
      if (!own && !field) continue;
      const box = element.getBoundingClientRect();
      const style = getComputedStyle(element);
      if (!box.width || !box.height || style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
      // Screen-reader-only text is not seen.
      if (box.width <= 1 || box.height <= 1) continue;
      const ratio = contrast(style.color, backgroundOf(element));
      if (ratio < minimum) {
        const text = field ? `<${element.localName}>` : element.textContent!.trim().slice(0, 30);
        failures.push(`${text}: ${ratio.toFixed(2)} (${style.color} on ${backgroundOf(element)})`);
      }
    }
  };
  visit(root);
  return failures;
}
