/**
 * The harness the <rtc-doctor> test files share: the element on a real relay, a run to its end,
 * its lines and parts, and a record of every track captured and peer connection made by the page
 * (to prove a run leaves none open).
 */
import { fixture, html } from '@open-wc/testing';
import { nothing } from 'lit';
import '../../components/rtc-doctor.js';
import type { DoctorCheckName, DoctorCheckResult, DoctorReport, RtcDoctor } from '../../components/rtc-doctor.js';
import { nextEvent } from './helpers.js';

/** Every track the page captured. */
export const captured: MediaStreamTrack[] = [];
const media = navigator.mediaDevices;
export const realGetUserMedia = media.getUserMedia.bind(media);
export const realEnumerateDevices = media.enumerateDevices.bind(media);
media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
  const stream = await realGetUserMedia(constraints);
  captured.push(...stream.getTracks());
  return stream;
};

/** Every RTCPeerConnection the page made. */
export const connections: RTCPeerConnection[] = [];
window.RTCPeerConnection = class extends RTCPeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    connections.push(this);
  }
};

/** A secret the test coturn and relays share. */
export const TURN_SECRET = 'the static-auth-secret of the doctor tests';

/** Attributes of a test doctor: each becomes an attribute (`iceServers` a property). */
export interface DoctorOptions {
  signaling?: string;
  checks?: string;
  timeout?: number;
  token?: string;
  iceServers?: RTCIceServer[];
  lang?: string;
  /**
   * ms the microphone is listened to at least: long enough to hear Chromium's fake microphone,
   * which beeps about once a second, short enough for a run not to wait long.
   */
  listenTime?: number;
}

/** A doctor on the page, not run yet. */
export async function doctor({
  signaling = '',
  checks = '',
  timeout = 10_000,
  token = '',
  iceServers,
  lang,
  listenTime = 2000,
}: DoctorOptions = {}): Promise<RtcDoctor> {
  return fixture<RtcDoctor>(
    html`<rtc-doctor signaling=${signaling} checks=${checks} timeout=${timeout} token=${token} lang=${lang ?? nothing} listen-time=${listenTime} .iceServers=${iceServers}></rtc-doctor>`,
  );
}

/** Presses "Run checks" and resolves with the report of `rtc-doctor-done`; `checked` gets each `rtc-doctor-check`. */
export async function runToEnd(el: RtcDoctor, checked: DoctorCheckResult[] = []): Promise<DoctorReport> {
  const onCheck = (event: CustomEvent<DoctorCheckResult>) => checked.push(event.detail);
  el.addEventListener('rtc-doctor-check', onCheck);
  const done = nextEvent<CustomEvent<DoctorReport>>(el, 'rtc-doctor-done', 'the end of the run', 40_000);
  runButton(el).click();
  const report = (await done).detail;
  el.removeEventListener('rtc-doctor-check', onCheck);
  return report;
}

/** The lines of `report` for `check` (several for TURN). */
export function linesOf(report: DoctorReport, check: DoctorCheckName): DoctorCheckResult[] {
  return report.checks.filter((line) => line.check === check);
}

/** The one line of `report` for `check`. */
export function lineOf(report: DoctorReport, check: DoctorCheckName): DoctorCheckResult {
  const [line, ...more] = linesOf(report, check);
  if (!line || more.length > 0) throw new Error(`the report has ${more.length + (line ? 1 : 0)} lines for ${check}`);
  return line;
}

/** `check: state code` for every line: one readable value to compare. */
export function verdicts(report: DoctorReport): string[] {
  return report.checks.map((line) => `${line.check}: ${line.state} ${line.code}`);
}

export function part(el: RtcDoctor, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
}

export function parts(el: RtcDoctor, name: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
}

export function runButton(el: RtcDoctor): HTMLButtonElement {
  return part(el, 'run-button') as HTMLButtonElement;
}
