// An application's use of the package through its `exports` (package.json), type-checked against the
// built declarations by tests/gates/exports.test.ts (a package may import itself by name). Not run.
import 'rtc-elements/rtc-camera.js';
import { RtcCall, type RtcCallStrings } from 'rtc-elements/rtc-call.js';
import { RtcChat } from 'rtc-elements/rtc-chat.js';
import { RtcDatachannel } from 'rtc-elements/rtc-datachannel.js';
import { RtcDoctor, type DoctorReport } from 'rtc-elements/rtc-doctor.js';
import { SignalingClient, type RtcCameraStartDetail } from 'rtc-elements';
import * as all from 'rtc-elements/all.js';
import { createRelay, type RelayOptions } from 'rtc-elements/relay';

export const camera = document.createElement('rtc-camera');
camera.addEventListener('rtc-camera-start', (event) => {
  const detail: RtcCameraStartDetail = event.detail;
  detail.stream.getTracks();
});
camera.muted = true;

export const call: RtcCall = document.createElement('rtc-call');
export const registered = customElements.get('rtc-call') === RtcCall;
export const strings: Partial<RtcCallStrings> = { join: 'Beitreten' };
export const chat = new RtcChat();
export const channel: RtcDatachannel = document.createElement('rtc-datachannel');
export const isChannel: boolean = channel instanceof RtcDatachannel;
channel.send('hello');
export const client = new SignalingClient({ room: 'standup' });
export const doctor: RtcDoctor = document.createElement('rtc-doctor');
export const isDoctor: boolean = doctor instanceof RtcDoctor;
doctor.addEventListener('rtc-doctor-done', (event) => {
  const report: DoctorReport = event.detail;
  report.checks.filter((check) => check.state === 'fail');
});
export const reportLater: Promise<DoctorReport> = doctor.run();
export const same: typeof RtcCall = all.RtcCall;
export const options: RelayOptions = { port: 0 };
export const relay = createRelay;
