/** Accessibility checks with axe-core (its browser build sets `window.axe`). */
import 'axe-core/axe.min.js';
import type { AxeResults, RunOptions } from 'axe-core';

const axe = (window as unknown as { axe: { run(context: Element, options: RunOptions): Promise<AxeResults> } }).axe;

/** The serious and critical axe violations inside `el` (its shadow root included), as `id: target`. */
export async function violations(el: Element): Promise<string[]> {
  const results = await axe.run(el, { resultTypes: ['violations'] });
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .flatMap((violation) => violation.nodes.map((node) => `${violation.id}: ${JSON.stringify(node.target)}`));
}
