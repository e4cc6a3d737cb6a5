import { css } from 'lit';

/**
 * The toolbar, buttons, fields, focus ring and screen-reader-only text of the rtc- elements. Each
 * element sets `--accent` and `--danger` on `:host` from its own public custom properties. Primary
 * buttons have the class `primary`; pressed toggles (and `.danger` buttons) are filled with `--danger`.
 *
 * Colours come in pairs through light-dark(): an element follows the page's `color-scheme` (a page
 * that declares `color-scheme: light dark` gets the dark pair under `prefers-color-scheme: dark`).
 * Fields and buttons set their text colour with their background: a background alone left the
 * page's (light, in dark mode) text on white.
 */
export const shared = css`
  :host {
    --field: light-dark(#ffffff, #22262d);
    --field-text: light-dark(#15171a, #eef0f3);
    --field-border: light-dark(#80868f, #69707b);
  }
  [part='controls'],
  [part='join'] {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    padding: 0.6rem;
  }
  button,
  select,
  input {
    font: inherit;
    min-height: 2.5rem;
    padding: 0 0.9rem;
    border: 1px solid var(--field-border);
    border-radius: 0.4rem;
    background: var(--field);
    color: var(--field-text);
  }
  button:not(:disabled) {
    cursor: pointer;
  }
  :focus-visible {
    outline: 3px solid var(--accent);
    outline-offset: 2px;
  }
  :disabled {
    opacity: 0.5;
  }
  .primary,
  .danger,
  [aria-pressed='true'] {
    background: var(--accent);
    color: #fff;
    border-color: transparent;
  }
  .danger,
  [aria-pressed='true'] {
    background: var(--danger);
  }
  .sr {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  [hidden] {
    display: none !important;
  }
`;
