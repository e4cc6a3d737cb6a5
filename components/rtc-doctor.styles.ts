import { css } from 'lit';
import { shared } from './internal/ui/styles.js';

export const styles = [
  shared,
  css`
    :host {
      --accent: var(--rtc-doctor-accent, #2563eb);
      --pass: var(--rtc-doctor-pass, light-dark(#15803d, #4ade80));
      --warn: var(--rtc-doctor-warn, light-dark(#b45309, #fbbf24));
      --danger: var(--rtc-doctor-fail, light-dark(#b91c1c, #f87171));
      --text: light-dark(#15171a, #eef0f3);
      --muted: light-dark(#4b5058, #b4b9c2);
      --line: light-dark(#e4e4e7, #2f343c);
      display: block;
      max-width: 44rem;
    }
    [part='base'] {
      border: 1px solid var(--line);
      border-radius: var(--rtc-doctor-radius, 0.75rem);
      background: var(--rtc-doctor-background, light-dark(#ffffff, #1b1e24));
      color: var(--text);
      overflow: hidden;
    }
    [part='header'] {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 0.75rem 1.5rem;
      padding: 1rem 1.25rem;
      border-bottom: 1px solid var(--line);
    }
    .heading {
      flex: 1 1 18rem;
    }
    [part='heading'],
    ::slotted([slot='heading']) {
      display: block;
      margin: 0;
      font-size: 1.15rem;
    }
    [part='intro'] {
      margin: 0.25rem 0 0;
      color: var(--muted);
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
    }
    [part~='run-button'] {
      font-weight: 600;
    }
    [aria-disabled='true'] {
      cursor: progress;
    }
    [part='list'] {
      margin: 0;
      padding: 0;
      list-style: none;
    }
    /* Icon, then the title and the state on one line; what was found and the hint below the title. */
    [part~='check'] {
      display: grid;
      grid-template-columns: 1.5rem 1fr auto;
      gap: 0.15rem 0.75rem;
      align-items: center;
      padding: 0.7rem 1.25rem;
      border-bottom: 1px solid var(--line);
    }
    [part~='check'] > :not(.icon, [part='title'], [part='status']) {
      grid-column: 2 / -1;
    }
    .icon {
      width: 1.5rem;
      height: 1.5rem;
      color: var(--muted);
    }
    .pass {
      color: var(--pass);
    }
    .warn {
      color: var(--warn);
    }
    .fail {
      color: var(--danger);
    }
    .spinner {
      transform-origin: center;
      animation: spin 1s linear infinite;
    }
    @keyframes spin {
      to {
        transform: rotate(1turn);
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .spinner {
        animation: none;
      }
    }
    [part='title'] {
      font-weight: 600;
      overflow-wrap: anywhere;
    }
    /* The state in words, so it never rests on colour alone. */
    [part='status'] {
      padding: 0.1rem 0.6rem;
      border-radius: 1rem;
      font-size: 0.85rem;
      white-space: nowrap;
      background: light-dark(#f1f2f4, #2a2e35);
      color: var(--muted);
    }
    [part~='check-pass'] [part='status'] {
      background: light-dark(#dcfce7, #14532d);
      color: light-dark(#166534, #dcfce7);
    }
    [part~='check-warn'] [part='status'] {
      background: light-dark(#fef3c7, #713f12);
      color: light-dark(#854d0e, #fef3c7);
    }
    [part~='check-fail'] [part='status'] {
      background: light-dark(#fee2e2, #7f1d1d);
      color: light-dark(#991b1b, #fee2e2);
    }
    [part='summary'] {
      color: var(--muted);
      overflow-wrap: anywhere;
    }
    /* What to do about it: set apart from what was found. */
    [part='hint'] {
      margin-top: 0.3rem;
      padding: 0.45rem 0.7rem;
      border-radius: 0.4rem;
      background: light-dark(#f4f5f7, #262a31);
      overflow-wrap: anywhere;
    }
    [part='level'] {
      width: 100%;
      max-width: 16rem;
      height: 0.6rem;
    }
    [part~='outcome'] {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.25rem 0.75rem;
      padding: 0.75rem 1.25rem;
      border-bottom: 1px solid var(--line);
      font-weight: 600;
    }
    [part~='outcome-pass'] {
      background: light-dark(#f0fdf4, #132a1c);
    }
    [part~='outcome-warn'] {
      background: light-dark(#fffbeb, #2e2412);
    }
    [part~='outcome-fail'] {
      background: light-dark(#fef2f2, #301818);
    }
    [part='outcome-text'] {
      flex: 1 1 12rem;
    }
    [part='copy-status'] {
      font-weight: normal;
    }
    [part='report'] {
      display: block;
      box-sizing: border-box;
      width: calc(100% - 2.5rem);
      margin: 0.75rem 1.25rem;
      padding: 0.5rem;
      font: 0.85rem/1.4 ui-monospace, monospace;
      border: 1px solid var(--field-border);
      border-radius: 0.4rem;
      background: var(--field);
      color: var(--field-text);
    }
  `,
];
