import { css } from 'lit';

/**
 * The toolbar, buttons, focus ring and screen-reader-only text of the rtc- elements. Each element
 * sets `--accent` and `--danger` on `:host` from its own public custom properties. Primary buttons
 * have the class `primary`; pressed toggles (and `.danger` buttons) are filled with `--danger`.
 */
export const shared = css`
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
    border: 1px solid #aaa;
    border-radius: 0.4rem;
    background: #fff;
  }
  :focus-visible {
    outline: 3px solid var(--accent);
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
  }
`;
