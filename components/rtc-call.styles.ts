import { css } from 'lit';
import { shared } from './internal/ui/styles.js';

// One rule a line: the bundle ships this text as is.
export const styles = [
  shared,
  css`
    :host {
      --accent: var(--rtc-call-accent, #2563eb);
      --danger: var(--rtc-call-danger, #dc2626);
      display: block;
    }
    [part='grid'] {
      display: grid;
      align-items: start;
      grid: auto-flow/repeat(auto-fit, minmax(min(var(--rtc-call-tile, 16rem), 100%), 1fr));
      gap: 0.5rem;
    }
    [part~='tile'] {
      position: relative;
      border-radius: 0.5rem;
      overflow: hidden;
      background: #111;
    }
    [speaking] {
      outline: 3px solid var(--accent);
    }
    video {
      display: block;
      width: 100%;
      aspect-ratio: 4/3;
      object-fit: cover;
    }
    [camera-off] video {
      visibility: hidden;
    }
    .badges {
      position: absolute;
      top: 0.4rem;
      left: 0.4rem;
      display: flex;
      gap: 0.3rem;
      align-items: center;
    }
    [part='name'],
    [part='muted'] {
      padding: 0 0.4rem;
      background: #000a;
      color: #fff;
    }
    [part='muted'] {
      background: var(--danger);
    }
    [part='error'] {
      width: 100%;
    }
  `,
];
