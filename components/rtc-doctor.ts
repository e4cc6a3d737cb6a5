import { html, nothing, svg, type PropertyValues } from 'lit';
import { define } from './internal/ui/define.js';
import { RtcElement, button } from './internal/ui/element.js';
import { languageOf } from './internal/ui/locale.js';
import { DoctorController } from './internal/controllers/doctor-controller.js';
import {
  countVerdicts,
  fill,
  groupsOf,
  plannedChecks,
  reportText,
  type DoctorCheckEntry,
  type DoctorCheckResult,
  type DoctorReport,
  type DoctorState,
  type DoctorValues,
} from './internal/doctor/report.js';
import { styles } from './rtc-doctor.styles.js';

export {
  DoctorChecks,
  DoctorGroups,
  type DoctorCheckEntry,
  type DoctorCheckName,
  type DoctorCheckResult,
  type DoctorGroup,
  type DoctorReport,
  type DoctorState,
  type DoctorValues,
  type DoctorVerdict,
} from './internal/doctor/report.js';

/**
 * Every text the element shows, in English. Replace any of them with the `strings` attribute or
 * property. A check's title is keyed by its name (`camera`); what it found by its outcome code
 * (`camera-ok`), and what to do about it by the code and `-hint` (`camera-blocked-hint`). `{name}`
 * is replaced by the value of that name the check measured.
 */
export const rtcDoctorStrings = {
  heading: 'Connection check',
  intro: 'Checks this browser, its camera and microphone, the relay and the network, and says what to fix.',
  run: 'Run checks',
  again: 'Run again',
  copy: 'Copy report',
  copied: 'Report copied.',
  /** Shown above the report's text when the clipboard cannot be written. */
  copyManually: 'Copy the report below.',
  /** The accessible name of that text. */
  report: 'Report',
  /** The states of a check, shown beside it (and, in brackets, in the copied report). */
  pending: 'Not run',
  running: 'Checking…',
  pass: 'Passed',
  warn: 'Warning',
  fail: 'Failed',
  /** After a run. */
  allPassed: 'All checks passed.',
  problems: 'Failed: {fail}, warnings: {warn}, passed: {pass}.',
  /** The microphone's meter. */
  level: 'Microphone level',

  // Titles, by check.
  'secure-context': 'Secure page',
  'permissions-policy': 'Permissions policy',
  camera: 'Camera',
  microphone: 'Microphone',
  'relay-websocket': 'Relay over WebSocket',
  'relay-sse': 'Relay over SSE',
  'ice-host': 'Local network',
  'ice-srflx': 'Public address',
  /** With no TURN URL to check. */
  turn: 'TURN server',
  /** One TURN URL: `{transport}` is UDP, TCP or TLS, `{server}` its host and port. */
  turnServer: 'TURN over {transport}: {server}',
  datachannel: 'Data channel',

  // While running.
  'camera-running': 'Allow the camera if asked.',
  'microphone-running': 'Allow the microphone if asked, then say something.',

  // What each check found (by outcome code), and what to do about it (`-hint`).
  secure: 'Secure context: {origin}.',
  insecure: 'Not a secure context: {origin}.',
  'insecure-hint': 'Open the page with https:// (or on localhost): only there may it use the camera and microphone.',
  'policy-allowed': 'Allowed: {features}.',
  'policy-top-level': 'Not in a frame: nothing restricts this page.',
  'policy-blocked': 'Blocked for this page: {features}.',
  'policy-blocked-hint':
    'The page that embeds this one must allow them (<iframe allow="camera; microphone; display-capture">), and no Permissions-Policy header may forbid them.',
  'policy-unknown': 'This browser does not say what this frame may use.',
  'policy-unknown-hint':
    'If the camera fails, the page that embeds this one must allow it: <iframe allow="camera; microphone; display-capture">.',
  'camera-ok': '{label}, {width}×{height}.',
  'camera-none': 'No camera found.',
  'camera-none-hint': 'Connect one, or check that the system has not turned it off.',
  'camera-blocked': 'Access to the camera is blocked.',
  'camera-blocked-hint': 'Allow it in the address bar or the site settings, then run the checks again.',
  'camera-busy': 'The camera could not start.',
  'camera-busy-hint': 'Close other apps or tabs that use it, then run the checks again.',
  'camera-error': 'The camera could not be opened ({error}).',
  'camera-error-hint': 'Try another browser, or restart the device.',
  'microphone-ok': '{label}: sound heard.',
  'microphone-unmeasured': '{label}.',
  'microphone-quiet': '{label}: no sound in {seconds} s.',
  'microphone-quiet-hint':
    'Check that it is not muted (a switch or a key on the device), or choose another microphone in the system settings.',
  'microphone-none': 'No microphone found.',
  'microphone-none-hint': 'Connect one, or check that the system has not turned it off.',
  'microphone-blocked': 'Access to the microphone is blocked.',
  'microphone-blocked-hint': 'Allow it in the address bar or the site settings, then run the checks again.',
  'microphone-busy': 'The microphone could not start.',
  'microphone-busy-hint': 'Close other apps or tabs that use it, then run the checks again.',
  'microphone-error': 'The microphone could not be opened ({error}).',
  'microphone-error-hint': 'Try another browser, or restart the device.',
  'relay-ok': 'Joined in {joinMs} ms, round trip {rttMs} ms.',
  'websocket-blocked': 'No connection over WebSocket.',
  'websocket-blocked-hint':
    'A proxy or firewall on the way blocks WebSocket, or the proxy in front of the relay does not pass WebSocket upgrades. Calls still work: they use SSE by themselves.',
  'sse-blocked': 'No connection over SSE.',
  'sse-blocked-hint':
    'Calls work over WebSocket, but a network that blocks it would leave no way through: a proxy may be buffering event streams.',
  'relay-unreachable': 'The relay at {url} cannot be reached.',
  'relay-unreachable-hint': 'Check the signaling URL and that the relay runs; a firewall may block it.',
  'signaling-url': 'The signaling URL is not valid: {url}.',
  'signaling-url-hint': 'Use a ws:, wss:, http: or https: URL.',
  'host-ok': '{count} local candidates ({protocols}).',
  'host-none': 'No local candidate.',
  'host-none-hint': 'WebRTC is restricted in this browser: an extension or a policy may limit it.',
  'no-webrtc': 'This browser has no WebRTC.',
  'no-webrtc-hint': 'Use a current browser; an extension or a policy may have turned WebRTC off.',
  'ice-servers-refused': 'This browser refuses the ICE servers: {error}',
  'ice-servers-refused-hint':
    'ice-servers is a JSON list of {"urls": ..., "username": ..., "credential": ...}, with stun:, turn: or turns: URLs.',
  'srflx-ok': 'Public address found ({count} candidates).',
  'no-nat': 'The TURN server sees this device’s own address: no NAT in between.',
  'no-stun': 'No STUN or TURN server is configured.',
  'no-stun-hint':
    'Peers on different networks may not reach each other. Configure TURN on the relay (--turn-secret, --turn-urls), or set ice-servers.',
  'stun-no-answer': 'No public address: the STUN server did not answer over UDP.',
  'stun-no-answer-hint':
    'UDP may be blocked on this network (calls then need TURN over TCP or TLS), or this device has a public address of its own.',
  'servers-unknown': 'Unknown: the relay, which hands out the ICE servers, was not reached.',
  'turn-ok': 'Relay address allocated in {allocationMs} ms.',
  'turn-credentials': 'The TURN server refused the credentials (error {errorCode}).',
  'turn-credentials-hint':
    'The relay’s --turn-secret must be the TURN server’s static-auth-secret, and both clocks must be right (the credentials expire).',
  'turn-unreachable': 'No answer from the TURN server.',
  'turn-unreachable-hint': 'A firewall blocks this port or transport, or the server is down or does not listen on it.',
  'turn-error': 'The TURN server answered {errorCode}: {errorText}.',
  'turn-error-hint': 'The TURN server’s log says more.',
  'turn-failed': 'No relay address: the credentials were refused, or the server could not be reached.',
  'turn-port-blocked': 'This browser does not use TURN on port {port}.',
  'turn-port-blocked-hint':
    'Browsers skip TURN servers on ports below 1024 other than 53, 80 and 443: use 3478, 5349 or 443.',
  'turn-none': 'No TURN server is configured.',
  'turn-none-hint':
    'Peers behind strict firewalls or on some mobile networks cannot connect without one: configure it on the relay (--turn-secret, --turn-urls).',
  'datachannel-turn': 'Through TURN: round trip {rttMs} ms, {mbps} Mbit/s.',
  'datachannel-direct': 'Round trip {rttMs} ms, {mbps} Mbit/s.',
  'datachannel-slow': 'Slow: round trip {rttMs} ms, {mbps} Mbit/s.',
  'datachannel-slow-hint': 'Calls may stutter on this connection.',
  'datachannel-failed': 'The data channel did not open within {seconds} s.',
  'datachannel-failed-hint': 'WebRTC cannot connect on this device: see the lines above.',
  'datachannel-turn-failed': 'The data channel did not open through TURN within {seconds} s.',
  'datachannel-turn-failed-hint':
    'The TURN server gives out addresses but relays nothing between them: check that its relay ports are open and that it may relay to its own addresses.',
  'check-error': 'The check could not run ({error}).',
};
export type RtcDoctorStrings = typeof rtcDoctorStrings;

/** What the copy button did last: nothing yet, copied, or showed the text to copy by hand. */
type CopyState = 'idle' | 'copied' | 'manual';

/** A check's state as an icon beside its status text (drawn in `currentColor`, hidden from assistive technology). */
const STATE_ICONS: Record<DoctorState, ReturnType<typeof svg>> = {
  pending: svg`<circle cx="12" cy="12" r="8" stroke-dasharray="2 3.3"/>`,
  running: svg`<circle class="spinner" cx="12" cy="12" r="8" stroke-dasharray="32 60"/>`,
  pass: svg`<circle cx="12" cy="12" r="9"/><path d="m7.5 12.5 3 3 6-6.5"/>`,
  warn: svg`<path d="M12 3.5 2.5 20h19z"/><path d="M12 10v4.5M12 17.2v.1"/>`,
  fail: svg`<circle cx="12" cy="12" r="9"/><path d="m8.5 8.5 7 7m0-7-7 7"/>`,
};

const stateIcon = (state: DoctorState) =>
  html`<svg part="icon" class="icon ${state}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${STATE_ICONS[state]}</svg>`;

/**
 * A pre-call check that says why a call cannot connect, for a help page or for when a call
 * fails: each check is a line with its state (passed, warning, failed), what it found or measured,
 * and what to do about it. Nothing happens until the user presses "Run checks" (or `autostart`).
 *
 * The checks, in order: a secure context and the permissions policy (camera, microphone, screen
 * capture); the camera and the microphone (present, allowed, opening, and a live level meter while
 * the microphone listens for a sound); the relay over WebSocket and over SSE, each on its own (a
 * throwaway room, and signals to itself through the relay: join time and round trip); ICE (host
 * candidates, and the public address a STUN server sees); for each TURN URL (the relay's, or
 * `ice-servers`) whether an allocation succeeds over its transport (UDP, TCP or TLS), with the
 * TURN server's error when not (401: the credentials were refused; 701: nothing answered); and a
 * data channel between two connections of the page, through TURN when one works: round trip and
 * throughput. Every track, connection and socket a run opens is closed when it ends.
 *
 * The report is a property (`report`, JSON as it is) and text an operator can read ("Copy
 * report", or `reportText()`).
 *
 * @summary A connection check: camera, microphone, relay, ICE and TURN, with hints.
 *
 * @attr signaling - The relay's signaling URL. Empty: `signal` beside the script the page loaded
 *   (`rtc-elements.js` on its relay), as for the other elements.
 * @attr room - The room the relay checks join. Empty (the default): a throwaway room of their own.
 *   Set it when join tokens only allow certain rooms; the others in that room see the checks come
 *   and go.
 * @attr token - A signed join token, for a relay that requires one (docs/security.md).
 * @attr token-url - A URL of your site that answers with a fresh join token, fetched before each
 *   relay check. Wins over `token`.
 * @attr ice-servers - ICE servers to check instead of the ones the relay hands out (JSON, as
 *   RTCIceServer objects).
 * @attr checks - Which checks to run: any of `environment camera microphone relay network`,
 *   separated by spaces (`network` is ICE, TURN and the data channel). Empty: all.
 * @attr autostart - Run as soon as the element is on the page, without a press.
 * @attr timeout - Milliseconds each network check (a relay transport, ICE gathering, a TURN
 *   allocation, the data channel) may take before it counts as no answer.
 * @attr listen-time - Milliseconds the microphone is listened to (and its meter shown) at least; with
 *   no sound in that time it is called quiet.
 * @attr lang - The language of the texts (default: the nearest `lang` of the page; built in: en,
 *   de, fr, es, pt, it, nl, pl, ja, zh). `strings` still replaces any text.
 * @attr strings - Replacement texts as JSON: any keys of `rtcDoctorStrings`.
 * @attr state - `idle` (never run), `running` or `done`. Read-only, reflected for CSS.
 *
 * @slot heading - Replaces the heading (put your own `<h2>` here to give the page a heading).
 *
 * @csspart base - The box around everything.
 * @csspart header - The heading, the introduction and the run button.
 * @csspart heading - The default heading.
 * @csspart intro - The introduction under it.
 * @csspart list - The list of checks (`<ol>`).
 * @csspart check - Each check (`<li>`); also `check-pending`, `check-running`, `check-pass`,
 *   `check-warn` or `check-fail` by its state.
 * @csspart icon - Each check's state icon.
 * @csspart title - What the check checked.
 * @csspart status - Its state in words.
 * @csspart summary - What it found or measured.
 * @csspart hint - What to do about it.
 * @csspart level - The microphone's `<meter>` while it listens.
 * @csspart outcome - After a run, above the list: its outcome with the icon of the worst verdict;
 *   also `outcome-pass`, `outcome-warn` or `outcome-fail`.
 * @csspart outcome-text - The outcome in words.
 * @csspart copy-status - What "Copy report" did (`role="status"`).
 * @csspart button - Both buttons; also `run-button` and `copy-button` (shown after a run).
 * @csspart report - The report's text, shown to copy by hand where the clipboard cannot be written.
 *
 * @cssproperty [--rtc-doctor-accent=#2563eb] - The run button and the focus ring.
 * @cssproperty [--rtc-doctor-background=#ffffff] - Behind everything (`#1b1e24` in dark mode).
 * @cssproperty [--rtc-doctor-radius=0.75rem] - Corner radius.
 * @cssproperty [--rtc-doctor-pass=#15803d] - Passed checks' icon (`#4ade80` in dark mode).
 * @cssproperty [--rtc-doctor-warn=#b45309] - Warnings' icon (`#fbbf24` in dark mode).
 * @cssproperty [--rtc-doctor-fail=#b91c1c] - Failed checks' icon (`#f87171` in dark mode).
 *
 * @fires {DoctorCheckResult} rtc-doctor-check - A check finished: its verdict, outcome code, what it
 *   measured and the texts shown for it.
 * @fires {DoctorReport} rtc-doctor-done - Every check finished: the whole report.
 *
 * @tagname rtc-doctor
 */
export class RtcDoctor extends RtcElement<RtcDoctorStrings> {
  static override styles = styles;
  protected static override localized = true;

  /** The reactive properties; define() names each attribute after its property in dash-case. */
  static override properties = {
    signaling: {},
    room: {},
    token: {},
    tokenUrl: {},
    iceServers: { type: Array },
    checks: {},
    autostart: { type: Boolean },
    timeout: { type: Number },
    listenTime: { type: Number },
    state: { reflect: true },
    copyState: { state: true },
  };

  signaling = '';
  room = '';
  token = '';
  tokenUrl = '';
  /** ICE servers to check instead of the relay's (attribute `ice-servers`, as JSON). */
  iceServers: RTCIceServer[] | undefined;
  checks = '';
  autostart = false;
  timeout = 10_000;
  listenTime = 4000;
  state: 'idle' | 'running' | 'done' = 'idle';

  private copyState: CopyState = 'idle';

  protected override readonly defaults = rtcDoctorStrings;
  protected override readonly localeSections = ['doctor'] as const;

  readonly #doctor = new DoctorController(this, {
    settings: () => ({
      groups: groupsOf(this.checks),
      signaling: this.signaling,
      room: this.room,
      token: this.token,
      tokenUrl: this.tokenUrl,
      iceServers: this.iceServers,
      timeout: this.timeout,
      listenTime: this.listenTime,
    }),
    onCheck: (entry) => this.emit('rtc-doctor-check', this.#result(entry)),
    onDone: () => this.emit('rtc-doctor-done', this.report),
  });

  /**
   * The report of the current or last run (checks still running included, `done` false), as plain
   * data: `JSON.stringify(doctor.report)`. `null` before the first run.
   */
  get report(): DoctorReport | null {
    const doctor = this.#doctor;
    if (doctor.state === 'idle' && doctor.entries.length === 0) return null;
    const entries = this.#entries();
    return {
      startedAt: new Date(doctor.startedAt).toISOString(),
      durationMs: doctor.durationMs,
      done: doctor.state === 'done',
      userAgent: navigator.userAgent,
      signaling: doctor.signaling,
      counts: countVerdicts(entries),
      checks: entries.map((entry) => this.#result(entry)),
    };
  }

  /**
   * Runs the checks and resolves with the report when they are done. While a run is under way,
   * resolves with that one's.
   */
  async run(): Promise<DoctorReport> {
    this.copyState = 'idle';
    await this.#doctor.run();
    return this.report!;
  }

  /** The report as text an operator can read: a line per check, with its code and hint. `''` before the first run. */
  reportText(): string {
    const report = this.report;
    if (!report) return '';
    const t = this.t;
    const states = { pending: t.pending, running: t.running, pass: t.pass, warn: t.warn, fail: t.fail };
    return reportText(report, t.heading, states);
  }

  /**
   * Copies `reportText()` to the clipboard; resolves true when it did. Where the clipboard cannot
   * be written (permission, an insecure page), the text is shown, selected, to copy by hand.
   */
  async copyReport(): Promise<boolean> {
    try {
      await navigator.clipboard.writeText(this.reportText());
      this.copyState = 'copied';
      return true;
    } catch {
      this.copyState = 'manual';
      return false;
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Once: an element moved within the page keeps the report it has.
    if (this.autostart && this.#doctor.state === 'idle') void this.run();
  }

  protected override willUpdate(): void {
    this.state = this.#doctor.state;
  }

  protected override updated(changed: PropertyValues): void {
    // The text to copy by hand, selected for Ctrl+C as it appears.
    if (changed.has('copyState') && this.copyState === 'manual') {
      const text = this.renderRoot.querySelector('textarea')!;
      text.focus();
      text.select();
    }
  }

  protected override render() {
    const t = this.t;
    return html`<div part="base">
<div part="header">
<div class="heading"><slot name="heading"><strong part="heading">${t.heading}</strong></slot><p part="intro">${t.intro}</p></div>
<div class="actions">${this.#runButton()}${this.state === 'done' ? button('copy', t.copy, this.copyReport) : nothing}</div>
</div>
${this.#outcome()}
${this.#manualCopy()}
<ol part="list" aria-label=${t.heading} aria-busy=${this.state === 'running' ? 'true' : 'false'}>${this.#lines()}</ol>
<div class="sr" role="status">${this.#announcement()}</div>
</div>`;
  }

  /**
   * The run button: "Run checks", then "Run again". While running it says so and does nothing
   * (aria-disabled: a disabled button would drop the keyboard focus).
   */
  #runButton() {
    const t = this.t;
    const label = this.state === 'running' ? t.running : this.state === 'done' ? t.again : t.run;
    return html`<button part="button run-button" class="primary" type="button" aria-disabled=${this.state === 'running' ? 'true' : 'false'} @click=${this.#onRun}>${label}</button>`;
  }

  #onRun(): void {
    void this.run();
  }

  /** The checks to show: the run's, or before any, those `checks` plans. */
  #entries(): readonly DoctorCheckEntry[] {
    const entries = this.#doctor.entries;
    return entries.length > 0 ? entries : plannedChecks(groupsOf(this.checks));
  }

  /** Every check's line. A hint the line before gave already (three TURN URLs refusing the same credentials) is not repeated. */
  #lines() {
    let previousHint = '';
    return this.#entries().map((entry) => {
      const result = this.#result(entry);
      const hint = result.hint === previousHint ? '' : result.hint;
      previousHint = result.hint;
      return this.#line(entry, result.title, result.summary, hint);
    });
  }

  /** One check: icon, title and state in words on the first line, then what it found and what to do. */
  #line(entry: DoctorCheckEntry, title: string, summary: string, hint: string) {
    return html`<li part="check check-${entry.state}">
${stateIcon(entry.state)}<span part="title">${title}</span> <span part="status">${this.t[entry.state]}</span>
${summary ? html`<span part="summary">${summary}</span>` : nothing}
${entry.check === 'microphone' ? this.#meter() : nothing}
${hint ? html`<span part="hint">${hint}</span>` : nothing}
</li>`;
  }

  /** The microphone's level, while it is listened to. Speech is quiet next to full scale: four times the level fills the meter. */
  #meter() {
    const level = this.#doctor.level;
    if (level === undefined) return nothing;
    return html`<meter part="level" aria-label=${this.t.level} min="0" max="1" .value=${Math.min(1, level * 4)}></meter>`;
  }

  /** After a run, above the list: what it found, in the colour and icon of the worst verdict, and what the copy button did. */
  #outcome() {
    if (this.state !== 'done') return nothing;
    const t = this.t;
    const counts = countVerdicts(this.#entries());
    const worst = counts.fail > 0 ? 'fail' : counts.warn > 0 ? 'warn' : 'pass';
    const copied = this.copyState === 'copied' ? t.copied : this.copyState === 'manual' ? t.copyManually : '';
    return html`<div part="outcome outcome-${worst}">${stateIcon(worst)}<span part="outcome-text">${this.#outcomeText()}</span><span part="copy-status" role="status">${copied}</span></div>`;
  }

  /** The report's text, selected, where the clipboard could not be written. */
  #manualCopy() {
    if (this.copyState !== 'manual' || this.state !== 'done') return nothing;
    return html`<textarea part="report" readonly rows="8" aria-label=${this.t.report} .value=${this.reportText()}></textarea>`;
  }

  /** The run's outcome in words. */
  #outcomeText(): string {
    const counts = countVerdicts(this.#entries());
    return counts.warn === 0 && counts.fail === 0 ? this.t.allPassed : fill(this.t.problems, counts);
  }

  /** What a screen reader announces (politely): that the checks run, then their outcome. */
  #announcement(): string {
    if (this.state === 'running') return this.t.running;
    return this.state === 'done' ? this.#outcomeText() : '';
  }

  /** A check as reported: its entry and, in the element's language, its title, what it found and what to do. */
  #result(entry: DoctorCheckEntry): DoctorCheckResult {
    const texts = this.t as Record<string, string>;
    const values = this.#displayed(entry.values);
    const title = fill(entry.target ? texts.turnServer! : texts[entry.check]!, values);
    let summary = '';
    let hint = '';
    if (entry.state === 'running') summary = texts[`${entry.check}-running`] ?? '';
    if (entry.code) {
      // A relay's refusal (`token-required`...) comes with its own words, unless `strings` has some.
      const words = this.errorText(entry.code, {
        message: String(entry.values.message ?? ''),
        hint: String(entry.values.hint ?? ''),
      });
      summary = fill(words.message, values);
      hint = fill(words.hint, values);
    }
    return { ...entry, values: { ...entry.values }, title, summary, hint };
  }

  /** `values` as the texts show them: numbers in the element's language, to a tenth at most. */
  #displayed(values: DoctorValues): DoctorValues {
    const numbers = numberFormat(languageOf(this));
    const shown: DoctorValues = {};
    for (const [name, value] of Object.entries(values)) {
      // A tenth of a millisecond is worth showing in 1.7 ms, not in 294.9 ms.
      shown[name] =
        typeof value === 'number' ? numbers.format(Math.abs(value) >= 100 ? Math.round(value) : value) : value;
    }
    return shown;
  }
}

/**
 * Numbers as `language` writes them (the browser's own way for a tag it does not know), without
 * grouping: ports and error codes are numbers too.
 */
function numberFormat(language: string): Intl.NumberFormat {
  const options = { maximumFractionDigits: 1, useGrouping: false };
  try {
    return new Intl.NumberFormat(language || undefined, options);
  } catch {
    return new Intl.NumberFormat(undefined, options);
  }
}

define('rtc-doctor', RtcDoctor);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-doctor': RtcDoctor;
  }
  interface GlobalEventHandlersEventMap {
    'rtc-doctor-check': CustomEvent<DoctorCheckResult>;
    'rtc-doctor-done': CustomEvent<DoctorReport>;
  }
}
