/**
 * What <rtc-doctor> checks and reports, as data: the checks and their order, the groups a page may
 * pick, an entry per check as the checks fill it in (a state, a stable outcome code and what was
 * measured, without words), the report the element hands out, and the report as plain text for
 * an operator. The element words each entry in its language; the checks themselves
 * (doctor/checks.ts) are loaded when a run starts.
 */

/** The checks, in the order they are listed. */
export const DoctorChecks = {
  SecureContext: 'secure-context',
  PermissionsPolicy: 'permissions-policy',
  Camera: 'camera',
  Microphone: 'microphone',
  RelayWebSocket: 'relay-websocket',
  RelaySse: 'relay-sse',
  /** Host candidates: WebRTC may use this device's own network. */
  LocalNetwork: 'ice-host',
  /** Server-reflexive candidates: a STUN server tells this device its public address. */
  PublicAddress: 'ice-srflx',
  /** A TURN allocation: one entry per TURN URL (its `target`), or one saying there is none. */
  Turn: 'turn',
  /** Two RTCPeerConnections in the page, through TURN when one works: round trip and throughput. */
  DataChannel: 'datachannel',
} as const;
export type DoctorCheckName = (typeof DoctorChecks)[keyof typeof DoctorChecks];

/** The groups of checks the `checks` attribute names. */
export const DoctorGroups = {
  /** Secure context and permissions policy. */
  Environment: 'environment',
  Camera: 'camera',
  Microphone: 'microphone',
  /** The relay over WebSocket and over SSE. */
  Relay: 'relay',
  /** ICE candidates, TURN and the data channel. */
  Network: 'network',
} as const;
export type DoctorGroup = (typeof DoctorGroups)[keyof typeof DoctorGroups];

const GROUP_OF: Record<DoctorCheckName, DoctorGroup> = {
  'secure-context': 'environment',
  'permissions-policy': 'environment',
  camera: 'camera',
  microphone: 'microphone',
  'relay-websocket': 'relay',
  'relay-sse': 'relay',
  'ice-host': 'network',
  'ice-srflx': 'network',
  turn: 'network',
  datachannel: 'network',
};

/** Where a check is: not started, under way, or finished with one of three verdicts. */
export type DoctorState = 'pending' | 'running' | DoctorVerdict;
/** `pass`: fine. `warn`: works, with a weakness that may hurt some calls. `fail`: broken. */
export type DoctorVerdict = 'pass' | 'warn' | 'fail';

/** What a check measured, by name (`rttMs`, `mbps`, `label`...), as numbers and plain strings. */
export type DoctorValues = Record<string, string | number>;

/** One check as the checks fill it in: its state and outcome, without words. */
export interface DoctorCheckEntry {
  check: DoctorCheckName;
  /** What it checked when there are several of a kind: a TURN check's URL. */
  target?: string;
  state: DoctorState;
  /**
   * The outcome, a stable code (`relay-ok`, `websocket-blocked`, `turn-credentials`...; the relay's
   * own error code when it refused the join); `''` while pending or running.
   */
  code: string;
  values: DoctorValues;
}

/** A check as reported: its entry, and the words the element shows for it. */
export interface DoctorCheckResult extends DoctorCheckEntry {
  /** What was checked (`Relay over WebSocket`). */
  title: string;
  /** What was found or measured (`Joined in 12 ms, round trip 3 ms.`). */
  summary: string;
  /** What to do about it (`''` when nothing needs doing). */
  hint: string;
}

/** A run of the checks. JSON as it is: `JSON.stringify(doctor.report)`. */
export interface DoctorReport {
  /** When the run started (ISO 8601). */
  startedAt: string;
  /** How long it took, in ms (so far, while running). */
  durationMs: number;
  /** Whether every check has finished. */
  done: boolean;
  userAgent: string;
  /** The relay's signaling URL, as resolved. */
  signaling: string;
  /** Finished checks by verdict. */
  counts: Record<DoctorVerdict, number>;
  checks: DoctorCheckResult[];
}

/** The groups named by a `checks` attribute (words separated by spaces); empty or absent: every group. */
export function groupsOf(checks: string | undefined): DoctorGroup[] {
  const all = Object.values(DoctorGroups);
  const named = all.filter((group) => checks?.split(/\s+/).includes(group));
  return named.length > 0 ? named : all;
}

/** The checks `groups` run, pending. TURN has one entry until the TURN servers are known. */
export function plannedChecks(groups: readonly DoctorGroup[]): DoctorCheckEntry[] {
  return Object.values(DoctorChecks)
    .filter((check) => groups.includes(GROUP_OF[check]))
    .map((check) => ({ check, state: 'pending', code: '', values: {} }));
}

/** Finished checks by verdict. */
export function countVerdicts(checks: readonly DoctorCheckEntry[]): Record<DoctorVerdict, number> {
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const { state } of checks) if (state === 'pass' || state === 'warn' || state === 'fail') counts[state]++;
  return counts;
}

/** `template` with each `{name}` replaced by `values[name]` (a name without a value stays as it is). */
export function fill(template: string, values: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : placeholder,
  );
}

/**
 * The report as text an operator can read in a support ticket: the run (time, browser, relay),
 * then a line per check (its state in `states`' words, title, what was found, its code) and the
 * hint under it.
 */
export function reportText(report: DoctorReport, heading: string, states: Record<DoctorState, string>): string {
  const lines = [
    `${heading}: ${report.startedAt} (${(report.durationMs / 1000).toFixed(1)} s)`,
    report.userAgent,
    report.signaling,
    '',
  ];
  for (const check of report.checks) {
    const code = check.code ? ` (${check.code})` : '';
    lines.push(`[${states[check.state]}] ${check.title}: ${check.summary}${code}`.trimEnd());
    if (check.hint) lines.push(`    ${check.hint}`);
  }
  return lines.join('\n');
}
