/**
 * The call's icons: 24x24 line drawings inlined as SVG (no icon font, no request), drawn in
 * `currentColor` so they follow the button's text colour in light and dark. Decorative: the button
 * or element around each one carries the accessible name.
 */
import { svg, html, type SVGTemplateResult } from 'lit';

const paths = {
  mic: svg`<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/>`,
  micOff: svg`<path d="M9 9V6a3 3 0 0 1 5.7-1.3M15 11v0a3 3 0 0 1-4.5 2.6M5 11a7 7 0 0 0 11.3 5.5M19 11a7 7 0 0 1-.6 2.8M12 18v3M3 3l18 18"/>`,
  camera: svg`<rect x="2" y="6" width="14" height="12" rx="2"/><path d="m16 10 6-3v10l-6-3"/>`,
  cameraOff: svg`<path d="M10 6h4a2 2 0 0 1 2 2v4l6-3v10M16 16v0a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2M3 3l18 18"/>`,
  screen: svg`<rect x="2" y="4" width="20" height="13" rx="2"/><path d="M8 21h8M12 17v4M9 10l3-3 3 3M12 7v6"/>`,
  hand: svg`<path d="M8 13V5.5a1.5 1.5 0 0 1 3 0V12M11 11V4a1.5 1.5 0 0 1 3 0v7M14 11V5.5a1.5 1.5 0 0 1 3 0V13M17 9.5a1.5 1.5 0 0 1 3 0V15a7 7 0 0 1-7 7h-1a7 7 0 0 1-5.5-2.7L3.4 16a1.6 1.6 0 0 1 2.5-2L8 16"/>`,
  smile: svg`<circle cx="12" cy="12" r="9"/><path d="M8 14a4.5 4.5 0 0 0 8 0M9 9.5h.01M15 9.5h.01"/>`,
  chat: svg`<path d="M21 12a8 8 0 0 1-11.6 7.1L3 21l1.9-6.4A8 8 0 1 1 21 12z"/>`,
  grid: svg`<rect x="3" y="3" width="8" height="8" rx="1"/><rect x="13" y="3" width="8" height="8" rx="1"/><rect x="3" y="13" width="8" height="8" rx="1"/><rect x="13" y="13" width="8" height="8" rx="1"/>`,
  speaker: svg`<rect x="2" y="3" width="20" height="13" rx="2"/><rect x="3" y="18" width="5" height="3" rx="1"/><rect x="9.5" y="18" width="5" height="3" rx="1"/><rect x="16" y="18" width="5" height="3" rx="1"/>`,
  leave: svg`<path d="M3 14.5c5-4.7 13-4.7 18 0l-2.3 2.6-3.3-1.7v-2.6a12 12 0 0 0-6.8 0v2.6l-3.3 1.7z"/>`,
  pin: svg`<path d="M9 4h6M10 4v6l-3 4h10l-3-4V4M12 14v7"/>`,
  fullscreen: svg`<path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/>`,
  pip: svg`<rect x="2" y="4" width="20" height="16" rx="2"/><rect x="12" y="12" width="7" height="5" rx="1"/>`,
  close: svg`<path d="M6 6l12 12M18 6 6 18"/>`,
  person: svg`<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>`,
  more: svg`<circle cx="5" cy="12" r="1"/><circle cx="12" cy="12" r="1"/><circle cx="19" cy="12" r="1"/>`,
  shield: svg`<path d="M12 3 4.5 6v5.5c0 4.4 3.2 8.4 7.5 9.5 4.3-1.1 7.5-5.1 7.5-9.5V6z"/>`,
  shieldCheck: svg`<path d="M12 3 4.5 6v5.5c0 4.4 3.2 8.4 7.5 9.5 4.3-1.1 7.5-5.1 7.5-9.5V6z"/><path d="m8.5 12 2.5 2.5 4.5-5"/>`,
} as const;

export type IconName = keyof typeof paths;

/** An icon as inline SVG, hidden from assistive technology. */
export const icon = (name: IconName): SVGTemplateResult | ReturnType<typeof html> =>
  html`<svg class="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${paths[name]}</svg>`;
