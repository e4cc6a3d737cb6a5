import { css } from 'lit';
import { shared } from './internal/ui/styles.js';

/**
 * The call's look: a stage of tiles sized by the element (tile-layout.ts sets `--tile-width`
 * and `--tile-height`), a control bar of icon buttons at the bottom, banners over the stage, and a join
 * screen. The tiles are dark in both schemes, as video is; the rest follows the page's
 * `color-scheme` through light-dark(). Under 40rem wide (a phone) labels become tooltips, the
 * speaker layout's strip goes under the spotlight and the chat covers the call.
 */
export const styles = [
  shared,
  css`
    :host {
      --accent: var(--rtc-call-accent, #2563eb);
      --danger: var(--rtc-call-danger, #dc2626);
      --radius: var(--rtc-call-radius, 0.75rem);
      --background: var(--rtc-call-background, light-dark(#eceef2, #0e1013));
      --surface: light-dark(#ffffff, #1b1e24);
      --surface-raised: light-dark(#e2e5ea, #2b3038);
      --text: light-dark(#15171a, #eef0f3);
      --quiet-text: light-dark(#4a515c, #b4bac4);
      --line: light-dark(#d5d9df, #343a44);
      --tile: var(--rtc-call-tile-background, #262a31);
      --gap: 8px;
      display: block;
      container-type: inline-size;
      height: var(--rtc-call-height, min(100dvh, 48rem));
      overflow: hidden;
      position: relative;
      background: var(--background);
      color: var(--text);
      font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
      font-size: 0.9375rem;
      line-height: 1.4;
    }
    .icon {
      width: 1.375rem;
      height: 1.375rem;
      flex: none;
    }

    /* ---- the join screen ---- */
    [part='lobby'] {
      box-sizing: border-box;
      height: 100%;
      overflow: auto;
      display: flex;
      align-items: center;
      justify-content: center;
      gap: 2rem;
      padding: 1.5rem;
    }
    [part='preview'] {
      position: relative;
      flex: 0 1 36rem;
      min-width: 0;
    }
    [part='preview'] [part~='tile'] {
      width: 100%;
    }
    [part~='preview-button'] {
      position: absolute;
      left: 50%;
      bottom: 1rem;
      transform: translateX(-50%);
      display: flex;
      align-items: center;
      gap: 0.5rem;
      border: 0;
      border-radius: 999px;
      background: #ffffff;
      color: #15171a;
      white-space: nowrap;
      box-shadow: 0 4px 16px rgb(0 0 0 / 0.3);
    }
    [part='join'] {
      box-sizing: border-box;
      flex: 0 0 21rem;
      flex-direction: column;
      flex-wrap: nowrap;
      gap: 1rem;
      padding: 1.5rem;
      border-radius: 1rem;
      background: var(--surface);
      box-shadow: 0 10px 30px rgb(0 0 0 / 0.12);
    }
    [part='heading'] {
      margin: 0;
      font-size: 1.375rem;
      font-weight: 650;
    }
    .field {
      display: grid;
      gap: 0.35rem;
      font-size: 0.875rem;
      color: var(--quiet-text);
    }
    .field input,
    .field select {
      width: 100%;
      box-sizing: border-box;
    }
    [part='level'] {
      height: 0.5rem;
      border-radius: 0.25rem;
      background: var(--surface-raised);
      overflow: hidden;
    }
    [part='level'] span {
      display: block;
      height: 100%;
      background: #16a34a;
      transition: inline-size 0.1s;
    }
    .actions {
      display: grid;
      gap: 0.5rem;
    }
    .actions .primary {
      min-height: 2.75rem;
      font-weight: 600;
    }
    .joining {
      display: flex;
      align-items: center;
      justify-content: center;
      gap: 0.5rem;
      min-height: 2.75rem;
      font-weight: 600;
    }
    [part='error'] {
      display: grid;
      gap: 0.2rem;
      padding: 0.75rem 0.9rem;
      border-radius: 0.6rem;
      background: light-dark(#fef2f2, #3b1214);
      color: light-dark(#991b1b, #fecaca);
    }

    /* ---- the call ---- */
    .call {
      display: flex;
      height: 100%;
    }
    .main {
      position: relative;
      flex: 1;
      min-width: 0;
      display: flex;
      flex-direction: column;
    }
    [part='stage'] {
      position: relative;
      flex: 1;
      min-height: 0;
      box-sizing: border-box;
      padding: var(--gap) var(--gap) 0;
    }
    [part='grid'] {
      height: 100%;
      display: flex;
      flex-wrap: wrap;
      justify-content: center;
      align-content: center;
      gap: var(--gap);
    }
    [part='grid'] > [part~='tile'] {
      width: var(--tile-width, 100%);
      /* Before the first measurement, the tile's 16:9. */
      height: var(--tile-height, auto);
    }
    :host([layout='speaker']) [part='stage'] {
      display: grid;
      grid-template-columns: 1fr minmax(9rem, 13rem);
      gap: var(--gap);
    }
    [part='spotlight'] {
      container-type: size;
      display: grid;
      place-items: center;
      min-width: 0;
      min-height: 0;
    }
    [part='spotlight'] > [part~='tile'] {
      width: min(100cqw, 100cqh * 16 / 9);
    }
    [part='filmstrip'] {
      display: flex;
      flex-direction: column;
      justify-content: center;
      gap: var(--gap);
      overflow: auto;
      min-height: 0;
    }
    [part='filmstrip'] > [part~='tile'] {
      flex: none;
    }
    [part='filmstrip'] .tile-actions {
      display: none;
    }

    /* ---- a tile ---- */
    [part~='tile'] {
      container-type: inline-size;
      position: relative;
      box-sizing: border-box;
      aspect-ratio: 16 / 9;
      border-radius: var(--radius);
      overflow: hidden;
      background: var(--tile);
      color: #ffffff;
    }
    [part~='tile'] video {
      position: absolute;
      inset: 0;
      width: 100%;
      height: 100%;
      object-fit: cover;
    }
    [camera-off] video {
      visibility: hidden;
    }
    .mirrored {
      transform: scaleX(-1);
    }
    [part~='tile']::after {
      content: '';
      position: absolute;
      inset: 0;
      border-radius: inherit;
      pointer-events: none;
      transition: box-shadow 0.15s;
    }
    [speaking]::after {
      box-shadow: inset 0 0 0 3px var(--accent);
    }
    [part='avatar'] .icon {
      width: 55%;
      height: 55%;
    }
    [part='avatar'] {
      position: absolute;
      inset: 0;
      margin: auto;
      width: clamp(2.75rem, 26cqi, 7rem);
      height: clamp(2.75rem, 26cqi, 7rem);
      display: grid;
      place-items: center;
      border-radius: 50%;
      background: #4b5563;
      font-size: clamp(1rem, 10cqi, 2.5rem);
      font-weight: 600;
      transition: box-shadow 0.15s;
    }
    [speaking] [part='avatar'] {
      box-shadow: 0 0 0 4px var(--accent);
    }
    .label {
      position: absolute;
      left: 0.5rem;
      bottom: 0.5rem;
      max-width: calc(100% - 1rem);
      box-sizing: border-box;
      display: flex;
      align-items: center;
      gap: 0.35rem;
      padding: 0.15rem 0.5rem;
      border-radius: 0.4rem;
      background: rgb(0 0 0 / 0.65);
      font-size: 0.8125rem;
    }
    .label .icon {
      width: 1rem;
      height: 1rem;
    }
    [part='name'] {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    [part='muted'] {
      display: flex;
      color: #fca5a5;
    }
    [part='hand'] {
      display: flex;
      margin-inline-start: -0.3rem;
      padding: 0.1rem;
      border-radius: 0.3rem;
      background: #facc15;
      color: #1c1917;
    }
    [hand]::after {
      box-shadow: inset 0 0 0 3px #facc15;
    }
    [part='quality'] {
      display: inline-flex;
      align-items: flex-end;
      gap: 2px;
      height: 0.75rem;
      color: #4ade80;
    }
    [part='quality'] i {
      width: 3px;
      border-radius: 1px;
      background: currentColor;
    }
    [part='quality'] i:nth-child(1) {
      height: 40%;
    }
    [part='quality'] i:nth-child(2) {
      height: 70%;
    }
    [part='quality'] i:nth-child(3) {
      height: 100%;
    }
    [part='quality'][data-level='2'] {
      color: #facc15;
    }
    [part='quality'][data-level='1'] {
      color: #f87171;
    }
    [part='quality'][data-level='2'] i:nth-child(3),
    [part='quality'][data-level='1'] i:nth-child(n + 2) {
      background: rgb(255 255 255 / 0.35);
    }
    [part='verified'] {
      display: flex;
      color: #4ade80;
    }
    [part='safety-code'] {
      position: absolute;
      inset: 0.5rem;
      z-index: 1;
      display: flex;
      flex-direction: column;
      justify-content: center;
      gap: 0.5rem;
      box-sizing: border-box;
      max-width: 26rem;
      margin: auto;
      padding: 0.75rem 1rem;
      overflow: auto;
      border-radius: calc(var(--radius) - 0.25rem);
      background: rgb(17 19 23 / 0.92);
      font-size: 0.8125rem;
      text-align: center;
    }
    [part='safety-code'] p {
      margin: 0;
    }
    /* The panel has its own Close: the tile's buttons would only show through it. */
    [code-open] .tile-actions {
      display: none;
    }
    .safety-head {
      display: flex;
      align-items: center;
      justify-content: space-between;
      font-size: 0.9375rem;
    }
    .safety-head button {
      width: 2rem;
      min-height: 2rem;
      border: 0;
      background: transparent;
      color: inherit;
    }
    [part='code'] {
      display: grid;
      grid-template-columns: repeat(4, auto);
      justify-content: center;
      gap: 0.25rem 0.75rem;
      font-size: clamp(1.5rem, 7cqi, 2.25rem);
      line-height: 1.2;
    }
    [part='safety-code'] .verified {
      display: flex;
      align-items: center;
      justify-content: center;
      gap: 0.35rem;
      color: #4ade80;
    }
    [part='safety-code'] .verified .icon {
      width: 1.1rem;
      height: 1.1rem;
    }
    .tile-actions {
      position: absolute;
      top: 0.5rem;
      right: 0.5rem;
      display: flex;
      gap: 0.25rem;
      opacity: 0;
      transition: opacity 0.15s;
    }
    [part~='tile']:hover .tile-actions,
    .tile-actions:focus-within {
      opacity: 1;
    }
    @media (hover: none) {
      .tile-actions {
        opacity: 1;
      }
    }
    .icon-only {
      display: grid;
      place-items: center;
      width: 2.25rem;
      min-height: 2.25rem;
      padding: 0;
    }
    .tile-actions button {
      width: 2rem;
      min-height: 2rem;
      border: 0;
      background: rgb(0 0 0 / 0.6);
      color: #ffffff;
    }
    .tile-actions [active] {
      background: var(--accent);
    }
    .tile-actions .icon {
      width: 1.1rem;
      height: 1.1rem;
    }
    [part='reaction'] {
      position: absolute;
      right: 12%;
      bottom: 15%;
      font-size: clamp(2rem, 16cqi, 4.5rem);
      pointer-events: none;
      animation: rise 4s ease-out forwards;
    }
    @keyframes rise {
      from {
        opacity: 0;
        transform: translateY(30%) scale(0.6);
      }
      10% {
        opacity: 1;
        transform: none;
      }
      75% {
        opacity: 1;
      }
      to {
        opacity: 0;
        transform: translateY(-80%);
      }
    }

    /* ---- banners ---- */
    .banners {
      position: absolute;
      z-index: 2;
      top: 0.75rem;
      left: 50%;
      transform: translateX(-50%);
      width: calc(100% - 1.5rem);
      display: grid;
      justify-items: center;
      gap: 0.5rem;
      pointer-events: none;
    }
    [part~='banner'] {
      box-sizing: border-box;
      max-width: 34rem;
      pointer-events: auto;
      display: flex;
      align-items: center;
      justify-content: center;
      flex-wrap: wrap;
      gap: 0.25rem 0.6rem;
      padding: 0.6rem 0.9rem;
      border-radius: 0.75rem;
      background: var(--surface);
      color: var(--text);
      box-shadow: 0 6px 20px rgb(0 0 0 / 0.18);
      font-size: 0.875rem;
      text-align: center;
    }
    [part~='error-banner'] {
      justify-content: space-between;
      flex-wrap: nowrap;
      text-align: start;
      background: light-dark(#fef2f2, #3b1214);
      color: light-dark(#991b1b, #fecaca);
    }
    [part~='error-banner'] button {
      flex: none;
      border: 0;
      background: transparent;
      color: inherit;
    }
    [part~='error-banner'] [part~='retry-button'] {
      min-height: 2rem;
      text-decoration: underline;
      font-weight: 600;
    }
    [part~='waiting-banner'] span {
      color: var(--quiet-text);
    }
    [part='lobby'] [part~='error-banner'] {
      box-shadow: none;
    }
    .spinner {
      width: 0.9rem;
      height: 0.9rem;
      border: 2px solid currentColor;
      border-right-color: transparent;
      border-radius: 50%;
      animation: spin 0.8s linear infinite;
    }
    @keyframes spin {
      to {
        transform: rotate(1turn);
      }
    }

    /* ---- the control bar ---- */
    [part='controls'] {
      flex-wrap: nowrap;
      justify-content: center;
      align-items: center;
      gap: 0.5rem;
      padding: 0.6rem 0.75rem calc(0.6rem + env(safe-area-inset-bottom));
    }
    .tool {
      position: relative;
      display: flex;
      flex-direction: column;
      align-items: center;
      justify-content: center;
      gap: 0.15rem;
      min-width: 4.5rem;
      min-height: 3.5rem;
      padding: 0.35rem 0.5rem;
      border: 0;
      border-radius: 0.75rem;
      background: var(--surface-raised);
      color: var(--text);
      font-size: 0.75rem;
      white-space: nowrap;
    }
    .tool:hover {
      filter: brightness(0.95);
    }
    .tool[off] {
      background: light-dark(#fde2e2, #4c1d1d);
      color: light-dark(#b91c1c, #fecaca);
    }
    .tool[active] {
      background: light-dark(#dbe6ff, #1e3a8a);
      color: light-dark(#1d4ed8, #dbeafe);
    }
    .tool.danger {
      background: var(--danger);
      color: #ffffff;
    }
    .badge {
      position: absolute;
      top: 0.2rem;
      right: 0.6rem;
      min-width: 1.1rem;
      height: 1.1rem;
      border-radius: 0.55rem;
      background: var(--danger);
      color: #ffffff;
      font-size: 0.6875rem;
      line-height: 1.1rem;
    }
    .menu {
      position: relative;
    }
    [part='reactions'] {
      position: absolute;
      z-index: 3;
      bottom: calc(100% + 0.5rem);
      left: 50%;
      transform: translateX(-50%);
      display: flex;
      gap: 0.15rem;
      padding: 0.35rem;
      border-radius: 999px;
      background: var(--surface);
      box-shadow: 0 8px 24px rgb(0 0 0 / 0.25);
    }
    [part~='reaction-button'] {
      width: 2.5rem;
      min-height: 2.5rem;
      padding: 0;
      border: 0;
      border-radius: 50%;
      background: transparent;
      font-size: 1.4rem;
    }
    [part~='reaction-button']:hover {
      background: var(--surface-raised);
    }

    /* ---- the chat panel ---- */
    [part='chat-panel'] {
      flex: 0 0 20rem;
      display: flex;
      flex-direction: column;
      min-height: 0;
      background: var(--surface);
      border-inline-start: 1px solid var(--line);
    }
    [part='chat-panel'] header {
      display: flex;
      align-items: center;
      justify-content: space-between;
      padding: 0.5rem 0.5rem 0.5rem 1rem;
    }
    [part='chat-panel'] h2 {
      margin: 0;
      font-size: 1rem;
    }
    [part='chat-panel'] header button {
      border: 0;
      background: transparent;
    }
    rtc-chat {
      flex: 1;
      min-height: 0;
      padding: 0 0.75rem 0.75rem;
      --rtc-chat-height: auto;
      --rtc-chat-accent: var(--rtc-call-accent, #2563eb);
    }
    rtc-chat::part(messages) {
      min-height: 0;
      padding: 0;
      border: 0;
    }

    /* ---- a phone, or any narrow box ---- */
    @container (max-width: 40rem) {
      [part='lobby'] {
        flex-direction: column;
        justify-content: flex-start;
        gap: 1rem;
        padding: 0.75rem;
      }
      [part='preview'],
      [part='join'] {
        flex: none;
        width: 100%;
      }
      [part='join'] {
        padding: 1rem;
        box-shadow: none;
      }
      [part='controls'] {
        gap: 0.3rem;
        padding-inline: 0.4rem;
      }
      .tool {
        min-width: 2.75rem;
        min-height: 2.75rem;
        padding: 0;
        border-radius: 50%;
      }
      .tool .text {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip-path: inset(50%);
        white-space: nowrap;
      }
      .badge {
        right: -0.2rem;
        top: -0.2rem;
      }
      :host([layout='speaker']) [part='stage'] {
        grid-template-columns: 1fr;
        grid-template-rows: 1fr auto;
      }
      [part='filmstrip'] {
        flex-direction: row;
        justify-content: flex-start;
      }
      [part='filmstrip'] > [part~='tile'] {
        width: 8rem;
      }
      [part='chat-panel'] {
        position: absolute;
        z-index: 4;
        inset: 0;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      [part='reaction'] {
        animation-duration: 0.01s;
        animation-delay: 3s;
      }
      .spinner {
        animation: none;
      }
    }
  `,
];
