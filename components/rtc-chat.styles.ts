import { css } from 'lit';
import { shared } from './internal/ui/styles.js';

export const styles = [
  shared,
  css`
    :host {
      --accent: var(--rtc-chat-accent, #2563eb);
      display: grid;
      grid: 1fr auto/1fr auto auto;
      gap: 0.5rem;
    }
    ol,
    p {
      grid-column: 1/-1;
      margin: 0;
    }
    ol {
      height: var(--rtc-chat-height, 20rem);
      overflow: auto;
      padding: 0.5rem;
      list-style: none;
      border: 1px solid #8888;
    }
    li {
      margin-bottom: 0.5rem;
      white-space: pre-wrap;
      overflow-wrap: anywhere;
    }
    time,
    [part='notice'] {
      opacity: 0.7;
    }
    [part='notice'] {
      font-style: italic;
    }
    p {
      color: #dc2626;
    }
  `,
];
