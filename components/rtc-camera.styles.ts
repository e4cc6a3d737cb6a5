import { css } from 'lit';

export const styles = css`
  :host {
    --rtc-camera-background: #111;
    --rtc-camera-color: #f5f5f5;
    --rtc-camera-aspect-ratio: 4 / 3;
    --rtc-camera-object-fit: cover;
    --rtc-camera-radius: 0.5rem;
    --rtc-camera-accent: #2563eb;
    --rtc-camera-danger: #dc2626;
    --rtc-camera-controls-background: #f4f4f5;
    display: block;
    max-width: 40rem;
    font: inherit;
  }
  [hidden] {
    display: none !important;
  }
  [part='base'] {
    border-radius: var(--rtc-camera-radius);
    overflow: hidden;
    background: var(--rtc-camera-controls-background);
  }
  .stage {
    position: relative;
    aspect-ratio: var(--rtc-camera-aspect-ratio);
    background: var(--rtc-camera-background);
    color: var(--rtc-camera-color);
  }
  video {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: var(--rtc-camera-object-fit);
  }
  .mirrored {
    transform: scaleX(-1);
  }
  .overlay {
    position: absolute;
    inset: 0;
    display: flex;
    flex-direction: column;
    justify-content: center;
    align-items: center;
    gap: 0.5rem;
    padding: 1.5rem;
    text-align: center;
    line-height: 1.4;
  }
  [part='error-message'] {
    font-size: 1.1em;
  }
  [part='recording-indicator'] {
    position: absolute;
    top: 0.75rem;
    left: 0.75rem;
    padding: 0.2rem 0.6rem;
    border-radius: 1rem;
    background: var(--rtc-camera-danger);
    color: #fff;
    font-variant-numeric: tabular-nums;
  }
  [part~='controls'] {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    padding: 0.6rem;
  }
  button,
  select {
    font: inherit;
    min-height: 2.5rem;
    padding: 0 0.9rem;
    border: 1px solid #a1a1aa;
    border-radius: 0.375rem;
    background: #fff;
    color: #18181b;
    cursor: pointer;
  }
  select {
    max-width: 14rem;
    padding: 0 0.5rem;
  }
  button:focus-visible,
  select:focus-visible {
    outline: 3px solid var(--rtc-camera-accent);
    outline-offset: 2px;
  }
  button:disabled,
  select:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  .primary {
    background: var(--rtc-camera-accent);
    border-color: var(--rtc-camera-accent);
    color: #fff;
  }
  [aria-pressed='true'] {
    background: var(--rtc-camera-danger);
    border-color: var(--rtc-camera-danger);
    color: #fff;
  }
  [part='attachment'] {
    padding: 0 0.6rem 0.6rem;
    font-size: 0.9em;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
