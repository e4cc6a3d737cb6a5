import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../components/rtc-camera.js';
import { RecordingError, type RtcCamera } from '../../components/rtc-camera.js';
import { fileExtension, recordingType } from '../../components/internal/media/recording.js';
import { nextEvent, until } from './helpers.js';

const mediaDevices = navigator.mediaDevices;
const realGetUserMedia = mediaDevices.getUserMedia;

/** Replaces getUserMedia for one test (restored in afterEach). */
function stubGetUserMedia(fake: (constraints?: MediaStreamConstraints) => Promise<MediaStream>): void {
  mediaDevices.getUserMedia = fake;
}

afterEach(() => {
  mediaDevices.getUserMedia = realGetUserMedia;
});

function part(element: RtcCamera, name: string): HTMLElement | null {
  return element.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
}

function video(element: RtcCamera): HTMLVideoElement {
  return element.shadowRoot!.querySelector('video')!;
}

async function started(element: RtcCamera): Promise<MediaStream> {
  const event = nextEvent<CustomEvent<{ stream: MediaStream }>>(element, 'rtc-camera-start');
  part(element, 'start-button')!.click();
  const { stream } = (await event).detail;
  await until(() => video(element).videoWidth > 0 || element.video === false, 'live frames');
  return stream;
}

describe('<rtc-camera>', () => {
  it('captures nothing until the start button is pressed, then shows live frames', async () => {
    let calls = 0;
    stubGetUserMedia((constraints) => {
      calls++;
      return realGetUserMedia.call(mediaDevices, constraints);
    });
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls).to.equal(0);
    expect(element.stream).to.equal(null);
    expect(element.state).to.equal('idle');
    expect(part(element, 'placeholder')?.textContent).to.contain('camera is off');

    const stream = await started(element);
    expect(calls).to.equal(1);
    expect(stream.getVideoTracks()).to.have.length(1);
    expect(stream.getAudioTracks()).to.have.length(1);
    expect(element.stream).to.equal(stream);
    expect(element.getAttribute('state')).to.equal('live');
    expect(video(element).videoWidth).to.be.greaterThan(0);
    expect(video(element).muted).to.equal(true);
    // Mirrored unless the camera says it faces away (Firefox's fake camera does: `environment`).
    const facing = stream.getVideoTracks()[0].getSettings().facingMode;
    expect(video(element).classList.contains('mirrored')).to.equal(facing !== 'environment');
    expect(part(element, 'stop-button')).to.exist;
  });

  it('captures only the asked tracks: audio="false" gives a video-only stream', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera audio="false" video="320x240"></rtc-camera>`);
    const stream = await started(element);
    expect(stream.getAudioTracks()).to.have.length(0);
    expect(stream.getVideoTracks()[0].getSettings().width).to.equal(320);
    expect(part(element, 'mute-button')).to.equal(null);
  });

  it('starts on its own with autostart, and stop() ends every track with rtc-camera-stop', async () => {
    const element = document.createElement('rtc-camera');
    element.autostart = true;
    const start = nextEvent<CustomEvent<{ stream: MediaStream }>>(element, 'rtc-camera-start');
    document.body.append(element);
    try {
      const { stream } = (await start).detail;
      expect(stream.getTracks().every((track) => track.readyState === 'live')).to.equal(true);
      const stop = nextEvent<CustomEvent<{ reason: string }>>(element, 'rtc-camera-stop');
      element.stop();
      expect((await stop).detail.reason).to.equal('stopped');
      expect(stream.getTracks().map((track) => track.readyState)).to.deep.equal(['ended', 'ended']);
      expect(element.stream).to.equal(null);
    } finally {
      element.remove();
    }
  });

  it('mirrored="false" turns the mirror off; facing="environment" is not mirrored either', async () => {
    const plain = await fixture<RtcCamera>(html`<rtc-camera mirrored="false" audio="false"></rtc-camera>`);
    await started(plain);
    expect(video(plain).classList.contains('mirrored')).to.equal(false);
    const back = await fixture<RtcCamera>(html`<rtc-camera facing="environment" audio="false"></rtc-camera>`);
    await started(back);
    expect(video(back).classList.contains('mirrored')).to.equal(false);
  });

  it('a re-render (a toggle, the recording clock) does not reload the preview', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    await started(element);
    let loads = 0;
    video(element).addEventListener('loadstart', () => loads++);
    part(element, 'mute-button')!.click();
    await element.updateComplete;
    element.startRecording();
    // A few ticks of the recording clock, each one a render.
    await new Promise((resolve) => setTimeout(resolve, 700));
    await element.stopRecording();
    await element.updateComplete;
    expect(loads).to.equal(0);
    expect(video(element).readyState).to.be.at.least(HTMLMediaElement.HAVE_CURRENT_DATA);
  });

  it('snapshot() returns a decodable PNG at the stream resolution and fires rtc-snapshot', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera audio="false"></rtc-camera>`);
    const stream = await started(element);
    const { width, height } = stream.getVideoTracks()[0].getSettings();
    const event = nextEvent<CustomEvent<{ blob: Blob; width: number; height: number }>>(element, 'rtc-snapshot');
    part(element, 'snapshot-button')!.click();
    const { blob, width: w, height: h } = (await event).detail;
    expect(blob.type).to.equal('image/png');
    const bitmap = await createImageBitmap(blob);
    expect([bitmap.width, bitmap.height]).to.deep.equal([width, height]);
    expect([w, h]).to.deep.equal([width, height]);

    element.snapshotType = 'image/jpeg';
    element.snapshotQuality = 0.8;
    const jpeg = await element.snapshot();
    expect(jpeg.type).to.equal('image/jpeg');
    expect((await createImageBitmap(jpeg)).width).to.equal(width);
  });

  it('snapshot() rejects with InvalidStateError when the camera is not started', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const error = await element.snapshot().then(
      () => null,
      (reason: DOMException) => reason,
    );
    expect(error?.name).to.equal('InvalidStateError');
  });

  it('records a non-empty video that a <video> can play, with a duration', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    await started(element);
    part(element, 'record-button')!.click();
    await element.updateComplete;
    expect(element.recording).to.equal(true);
    expect(part(element, 'record-button')!.textContent!.trim()).to.equal('Stop recording');
    expect(part(element, 'recording-indicator')?.textContent).to.match(/Recording 0:0\d/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const event = nextEvent<CustomEvent<{ blob: Blob; mimeType: string; duration: number }>>(element, 'rtc-recording');
    part(element, 'record-button')!.click();
    const { blob, mimeType, duration } = (await event).detail;
    expect(blob.size).to.be.greaterThan(0);
    expect(mimeType).to.match(/^video\//);
    expect(duration).to.be.greaterThan(1000);
    expect(element.recording).to.equal(false);

    const player = document.createElement('video');
    player.muted = true;
    player.src = URL.createObjectURL(blob);
    try {
      await nextEvent(player, 'loadedmetadata');
      // MediaRecorder's WebM has no duration in its header: seeking to the end makes the browser find it.
      if (!Number.isFinite(player.duration)) {
        const found = nextEvent(player, 'durationchange');
        player.currentTime = 1e101;
        await found;
        await until(() => Number.isFinite(player.duration), 'a finite duration');
      }
      expect(player.duration).to.be.greaterThan(0.5);
      expect(player.videoWidth).to.be.greaterThan(0);
    } finally {
      URL.revokeObjectURL(player.src);
    }
  });

  it('a recording goes on when the element moves within the page, and is delivered when it leaves', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera audio="false"></rtc-camera>`);
    const stream = await started(element);
    element.startRecording();
    const other = document.createElement('div');
    document.body.append(other);
    other.append(element);
    // Past the recorder's 1 s timeslice, so a chunk is in even on a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await element.updateComplete;
    expect(element.recording).to.equal(true);
    const event = nextEvent<CustomEvent<{ blob: Blob }>>(element, 'rtc-recording');
    other.remove();
    const { blob } = (await event).detail;
    expect(blob.size).to.be.greaterThan(0);
    expect(element.recording).to.equal(false);
    expect(stream.getTracks().every((track) => track.readyState === 'ended')).to.equal(true);
  });

  it('with no recording-type the recording has the type its recorder chose, and stopRecording() resolves it as the value', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera name="take"></rtc-camera>`);
    await started(element);
    const event = nextEvent<CustomEvent<{ blob: Blob; mimeType: string }>>(element, 'rtc-recording');
    element.startRecording();
    // Past the recorder's 1 s timeslice, so a chunk is in even on a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const blob = await element.stopRecording();
    const { detail } = await event;
    // WebM in Chromium and Firefox, codecs named (Firefox forgets the type once stopped: the element does not).
    expect(detail.mimeType).to.match(/^video\/webm;\s*codecs=/);
    expect(detail.blob).to.equal(blob);
    expect(blob!.type).to.equal(detail.mimeType);
    expect(blob!.size).to.be.greaterThan(0);
    expect(element.value).to.be.instanceOf(File);
    expect([element.value!.name, element.value!.type, element.value!.size]).to.deep.equal([
      'take.webm',
      blob!.type,
      blob!.size,
    ]);
    expect(part(element, 'attachment')!.textContent).to.contain('take.webm');
  });

  it('stop() in the middle of a recording still delivers the take, and stopRecording() resolves it', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const stream = await started(element);
    const event = nextEvent<CustomEvent<{ blob: Blob; mimeType: string }>>(element, 'rtc-recording');
    element.startRecording();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    element.stop();
    const { detail } = await event;
    expect(detail.blob.size).to.be.greaterThan(0);
    expect(detail.mimeType).to.match(/^video\//);
    expect(await element.stopRecording()).to.equal(detail.blob);
    expect(element.value!.size).to.equal(detail.blob.size);
    expect(stream.getTracks().every((track) => track.readyState === 'ended')).to.equal(true);
    expect(element.recording).to.equal(false);
  });

  it('a recorder that fails rejects stopRecording() with a RecordingError, fires rtc-recording-error and shows it', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera name="take"></rtc-camera>`);
    const stream = await started(element);
    const event = nextEvent<CustomEvent<{ code: string; message: string; hint: string; cause: RecordingError }>>(
      element,
      'rtc-recording-error',
    );
    element.startRecording();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    // MediaRecorder gives up when a track is added to the stream it records (Chromium and Firefox).
    const extra = document.createElement('canvas').captureStream().getVideoTracks()[0]!;
    stream.addTrack(extra);
    const { detail } = await event;
    const error = await element.stopRecording().then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(error).to.be.instanceOf(RecordingError);
    expect(error).to.equal(detail.cause);
    expect((error as RecordingError).code).to.equal('recording-failed');
    // What was recorded before the failure is handed over with it, not made the form value.
    expect((error as RecordingError).partial?.size).to.be.greaterThan(0);
    expect(element.value).to.equal(null);
    expect(detail).to.include({ code: 'recording-failed', message: 'The recording failed.', hint: 'Record again.' });
    await element.updateComplete;
    expect(element.recording).to.equal(false);
    expect(part(element, 'error-message')!.textContent).to.equal('The recording failed.');
    // The camera is still live, and the next recording clears the message.
    expect(element.state).to.equal('live');
    stream.removeTrack(extra);
    extra.stop();
    element.startRecording();
    await element.updateComplete;
    expect(part(element, 'error')).to.equal(null);
    await element.stopRecording();
  });

  it('a recording type is named safely as a file extension, with bin when it cannot be', () => {
    const cases: Array<[string, string]> = [
      ['video/webm;codecs=vp8,opus', 'webm'],
      ['video/webm; codecs="vp8, opus"', 'webm'],
      ['video/mp4;codecs=avc1.64003E,mp4a.40.2', 'mp4'],
      ['audio/mp4', 'm4a'],
      ['video/x-matroska;codecs=avc1', 'mkv'],
      ['image/jpeg', 'jpg'],
      ['IMAGE/PNG', 'png'],
      ['', 'bin'],
      ['video', 'bin'],
      ['video/../../evil', 'bin'],
      ['application/vnd.weird+stuff', 'bin'],
    ];
    for (const [type, extension] of cases) expect(fileExtension(type), type).to.equal(extension);
  });

  it('with no usable recording-type: WebM where the browser records it, else MP4 (Safari), else its own default', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const audioOnly = new MediaStream(stream.getAudioTracks());
    const realIsTypeSupported = MediaRecorder.isTypeSupported;
    try {
      expect(recordingType(stream)).to.equal('video/webm');
      expect(recordingType(stream, 'video/nonsense')).to.equal('video/webm');
      expect(recordingType(audioOnly)).to.equal('audio/webm');
      expect(recordingType(stream, 'video/webm;codecs=vp8')).to.equal('video/webm;codecs=vp8');
      // Safari before 18.4 records MP4 only: a browser that says so (Safari cannot run here).
      MediaRecorder.isTypeSupported = (type) => type.startsWith('video/mp4') || type.startsWith('audio/mp4');
      expect(recordingType(stream)).to.equal('video/mp4');
      expect(recordingType(audioOnly)).to.equal('audio/mp4');
      MediaRecorder.isTypeSupported = () => false;
      expect(recordingType(stream)).to.equal('');
    } finally {
      MediaRecorder.isTypeSupported = realIsTypeSupported;
      stream.getTracks().forEach((track) => track.stop());
    }
  });

  it('max-duration stops a recording by itself', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera max-duration="1" audio="false"></rtc-camera>`);
    await started(element);
    const event = nextEvent<CustomEvent<{ blob: Blob; duration: number }>>(element, 'rtc-recording');
    element.startRecording();
    const { blob, duration } = (await event).detail;
    expect(blob.size).to.be.greaterThan(0);
    expect(duration).to.be.at.least(1000);
    expect(element.recording).to.equal(false);
  });

  it('mute and camera off disable the tracks, keep them live, and say so with aria-pressed', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const stream = await started(element);
    const [audio] = stream.getAudioTracks();
    const [camera] = stream.getVideoTracks();
    const mute = part(element, 'mute-button')!;
    const off = part(element, 'camera-button')!;
    expect(mute.getAttribute('aria-pressed')).to.equal('false');
    expect(mute.textContent!.trim()).to.equal('Mute');

    mute.click();
    await element.updateComplete;
    expect(audio.enabled).to.equal(false);
    expect(audio.readyState).to.equal('live');
    expect(element.muted).to.equal(true);
    expect(element.hasAttribute('muted')).to.equal(true);
    expect(mute.getAttribute('aria-pressed')).to.equal('true');
    expect(element.shadowRoot!.querySelector('[role="status"]')!.textContent).to.contain('Microphone muted');

    off.click();
    await element.updateComplete;
    expect(camera.enabled).to.equal(false);
    expect(camera.readyState).to.equal('live');
    expect(off.getAttribute('aria-pressed')).to.equal('true');
    expect((part(element, 'snapshot-button') as HTMLButtonElement).disabled).to.equal(true);

    mute.click();
    off.click();
    await element.updateComplete;
    expect([audio.enabled, camera.enabled]).to.deep.equal([true, true]);
    expect(mute.getAttribute('aria-pressed')).to.equal('false');
    expect(off.getAttribute('aria-pressed')).to.equal('false');
  });

  it('starts muted when the muted attribute is set', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera muted></rtc-camera>`);
    const stream = await started(element);
    expect(stream.getAudioTracks()[0].enabled).to.equal(false);
  });

  it('the buttons work from the keyboard and every label can be replaced', async () => {
    const element = await fixture<RtcCamera>(
      html`<rtc-camera strings='{"start":"Kamera starten","mute":"Stumm"}'></rtc-camera>`,
    );
    const start = part(element, 'start-button') as HTMLButtonElement;
    expect(start.tagName).to.equal('BUTTON');
    expect(start.textContent!.trim()).to.equal('Kamera starten');
    const event = nextEvent(element, 'rtc-camera-start');
    start.focus();
    await sendKeys({ press: 'Enter' });
    await event;
    await element.updateComplete;
    // The start button became the stop button: keyboard focus did not fall back to the page.
    expect(element.shadowRoot!.activeElement?.getAttribute('part')).to.equal('button stop-button');
    const mute = part(element, 'mute-button')!;
    expect(mute.textContent!.trim()).to.equal('Stumm');
    mute.focus();
    await sendKeys({ press: ' ' }); // the key value: WebDriver BiDi (Firefox) knows no key named Space
    await element.updateComplete;
    expect(element.muted).to.equal(true);
    expect(mute.getAttribute('aria-pressed')).to.equal('true');
    element.strings = { ...element.strings, stop: 'Anhalten' };
    await element.updateComplete;
    expect(part(element, 'stop-button')!.textContent!.trim()).to.equal('Anhalten');
  });

  it('controls="none" hides the toolbar; a list shows only those controls', async () => {
    const none = await fixture<RtcCamera>(html`<rtc-camera controls="none"></rtc-camera>`);
    expect(part(none, 'controls')).to.equal(null);
    const some = await fixture<RtcCamera>(html`<rtc-camera controls="start snapshot" audio="false"></rtc-camera>`);
    await started(some);
    const parts = [...some.shadowRoot!.querySelectorAll('[part~="controls"] > *')].map((node) =>
      node.getAttribute('part'),
    );
    expect(parts).to.deep.equal(['button stop-button', 'button snapshot-button']);
  });
});
