import { css } from 'lit';
import { shared } from './internal/ui/styles.js';

// An error while the picture shows (a recording that failed) lies over its bottom edge, so the
// element keeps its size; a start error (no picture) fills the stage.
export const styles = [
  shared,
  css`
    :host {
      --accent: var(--rtc-camera-accent, #2563eb);
      --danger: var(--rtc-camera-danger, #dc2626);
      display: block;
      max-width: 40rem;
    }
    [part='base'] {
      border-radius: var(--rtc-camera-radius, 0.5rem);
      overflow: hidden;
      background: var(--rtc-camera-controls-background, light-dark(#f4f4f5, #1b1e24));
      color: light-dark(#15171a, #eef0f3);
    }
    .stage {
      display: grid;
      position: relative;
      aspect-ratio: var(--rtc-camera-aspect-ratio, 4/3);
      background: var(--rtc-camera-background, #111);
      color: var(--rtc-camera-color, #f5f5f5);
    }
    video {
      width: 100%;
      height: 100%;
      object-fit: var(--rtc-camera-object-fit, cover);
    }
    .mirrored {
      transform: scaleX(-1);
    }
    [part='placeholder'],
    [part='error'] {
      display: grid;
      place-content: center;
      gap: 0.5rem;
      padding: 1.5rem;
      text-align: center;
    }
    video:not([hidden]) ~ [part='error'] {
      position: absolute;
      inset: auto 0 0;
      padding: 0.75rem;
      background: rgb(0 0 0 / 0.75);
    }
    [part='recording-indicator'] {
      position: absolute;
      margin: 0.75rem;
      padding: 0.2rem 0.6rem;
      border-radius: 1rem;
      background: var(--danger);
      color: #fff;
    }
    [part='attachment'] {
      padding: 0 0.6rem 0.6rem;
    }
    button,
    select {
      max-width: 14rem;
    }
  `,
];
