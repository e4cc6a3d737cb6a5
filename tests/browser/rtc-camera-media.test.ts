import { aTimeout, expect, fixture, html } from '@open-wc/testing';
import '../../components/rtc-camera.js';
import type { RtcCamera } from '../../components/rtc-camera.js';
import type { MediaErrorDetail } from '../../components/internal/media/media.js';
import { endableTracks, lacks, nextEvent, skipWhere, until } from './helpers.js';

const mediaDevices = navigator.mediaDevices;
const realGetUserMedia = mediaDevices.getUserMedia;
const realEnumerateDevices = mediaDevices.enumerateDevices;
const restore: Array<() => void> = [];

/** Shadows `name` on `target` with `value` for one test (restored in afterEach). */
function override(target: object, name: string, value: unknown): void {
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, { value, configurable: true, writable: true });
  restore.push(() =>
    own ? Object.defineProperty(target, name, own) : delete (target as Record<string, unknown>)[name],
  );
}

function realStream(constraints: MediaStreamConstraints = { video: true, audio: true }): Promise<MediaStream> {
  return realGetUserMedia.call(mediaDevices, constraints);
}

afterEach(() => {
  for (const undo of restore.splice(0).reverse()) undo();
  mediaDevices.getUserMedia = realGetUserMedia;
  mediaDevices.enumerateDevices = realEnumerateDevices;
});

function part(element: RtcCamera, name: string): HTMLElement | null {
  return element.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
}

async function errorFrom(element: RtcCamera): Promise<MediaErrorDetail> {
  const event = nextEvent<CustomEvent<MediaErrorDetail>>(element, 'rtc-media-error');
  part(element, 'start-button')!.click();
  const { detail } = await event;
  await element.updateComplete;
  return detail;
}

describe('<rtc-camera> errors', () => {
  const rejections: Array<[string, string]> = [
    ['NotAllowedError', 'permission-denied'],
    ['NotFoundError', 'no-device'],
    ['NotReadableError', 'device-busy'],
    ['OverconstrainedError', 'overconstrained'],
    ['NotSupportedError', 'unsupported'],
  ];
  for (const [name, code] of rejections) {
    it(`a getUserMedia ${name} is reported as ${code}, shown with its hint and a retry button`, async () => {
      mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused', name));
      const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
      const detail = await errorFrom(element);
      expect(detail.code).to.equal(code);
      expect(detail.message).to.be.a('string').and.not.equal('');
      expect(detail.hint).to.be.a('string').and.not.equal('');
      expect((detail.cause as DOMException).name).to.equal(name);
      expect(element.state).to.equal('error');
      expect(element.error?.code).to.equal(code);
      const alert = part(element, 'error')!;
      expect(alert.getAttribute('role')).to.equal('alert');
      expect(part(element, 'error-message')!.textContent).to.equal(detail.message);
      expect(part(element, 'error-hint')!.textContent).to.equal(detail.hint);
      expect(part(element, 'start-button')!.textContent!.trim()).to.equal('Try again');
    });
  }

  it('retry after a refusal starts the camera once access is given', async () => {
    mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    expect((await errorFrom(element)).code).to.equal('permission-denied');
    mediaDevices.getUserMedia = realGetUserMedia;
    const start = nextEvent<CustomEvent<{ stream: MediaStream }>>(element, 'rtc-camera-start');
    part(element, 'start-button')!.click();
    expect((await start).detail.stream.getTracks()).to.have.length(2);
    await element.updateComplete;
    expect(element.state).to.equal('live');
    expect(part(element, 'error')).to.equal(null);
    element.stop();
  });

  it('a camera id that does not exist is overconstrained (the real browser error)', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera camera-id="no-such-camera"></rtc-camera>`);
    expect((await errorFrom(element)).code).to.equal('overconstrained');
  });

  it('an insecure page is reported as insecure-context before asking', async () => {
    let asked = false;
    mediaDevices.getUserMedia = () => {
      asked = true;
      return realStream();
    };
    override(window, 'isSecureContext', false);
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const detail = await errorFrom(element);
    expect(detail.code).to.equal('insecure-context');
    expect(detail.hint).to.contain('https://');
    expect(asked).to.equal(false);
  });

  it('a browser without getDisplayMedia is reported as screen-unsupported for source="screen", with its own text', async () => {
    override(mediaDevices, 'getDisplayMedia', undefined);
    const element = await fixture<RtcCamera>(html`<rtc-camera source="screen"></rtc-camera>`);
    expect(part(element, 'start-button')!.textContent!.trim()).to.equal('Share screen');
    const detail = await errorFrom(element);
    expect(detail.code).to.equal('screen-unsupported');
    expect(part(element, 'error-message')!.textContent).to.equal('This browser cannot share a screen.');
  });

  // A real refusal cannot be clicked in a headless browser: getDisplayMedia is stubbed to reject as
  // the picker's Cancel does (NotAllowedError), and as headless Firefox does with no screen (NotFoundError).
  const screenRejections: Array<[string, string, string]> = [
    ['NotAllowedError', 'screen-denied', 'Screen sharing was blocked.'],
    ['NotFoundError', 'screen-failed', 'The screen could not be shared.'],
    ['NotReadableError', 'screen-failed', 'The screen could not be shared.'],
  ];
  for (const [name, code, message] of screenRejections) {
    it(`a getDisplayMedia ${name} is ${code} with a screen's text, not the camera's`, async () => {
      override(mediaDevices, 'getDisplayMedia', () => Promise.reject(new DOMException('refused', name)));
      const element = await fixture<RtcCamera>(html`<rtc-camera source="screen"></rtc-camera>`);
      const detail = await errorFrom(element);
      expect([detail.code, detail.message]).to.deep.equal([code, message]);
      expect(part(element, 'error-message')!.textContent).to.equal(message);
      expect(part(element, 'error')!.textContent).not.to.contain('camera');
    });
  }

  it('a getUserMedia that never settles is reported as timeout', async () => {
    mediaDevices.getUserMedia = () => new Promise<MediaStream>(() => {});
    const element = await fixture<RtcCamera>(html`<rtc-camera timeout="50"></rtc-camera>`);
    const detail = await errorFrom(element);
    expect(detail.code).to.equal('timeout');
    expect(element.state).to.equal('error');
  });

  it('a stream that arrives after the timeout is still taken while the user has not moved on', async () => {
    let resolve!: (stream: MediaStream) => void;
    mediaDevices.getUserMedia = () => new Promise<MediaStream>((done) => (resolve = done));
    const element = await fixture<RtcCamera>(html`<rtc-camera timeout="50"></rtc-camera>`);
    expect((await errorFrom(element)).code).to.equal('timeout');
    const start = nextEvent<CustomEvent<{ stream: MediaStream }>>(element, 'rtc-camera-start');
    const stream = await realStream();
    resolve(stream);
    expect((await start).detail.stream).to.equal(stream);
    await element.updateComplete;
    expect(element.state).to.equal('live');
    element.stop();
    expect(stream.getTracks().every((track) => track.readyState === 'ended')).to.equal(true);
  });

  it('error messages and hints can be replaced through strings', async () => {
    mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
    const element = await fixture<RtcCamera>(
      html`<rtc-camera strings='{"permission-denied":"Zugriff verweigert.","permission-denied-hint":"Bitte erlauben.","retry":"Nochmal"}'></rtc-camera>`,
    );
    const detail = await errorFrom(element);
    expect([detail.message, detail.hint]).to.deep.equal(['Zugriff verweigert.', 'Bitte erlauben.']);
    expect(part(element, 'start-button')!.textContent!.trim()).to.equal('Nochmal');
  });
});

describe('<rtc-camera> devices', () => {
  it('the microphone picker lists the fake microphones and switches the track in place', async function () {
    skipWhere(this, lacks.secondMicrophone);
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const start = nextEvent<CustomEvent<{ stream: MediaStream }>>(element, 'rtc-camera-start');
    part(element, 'start-button')!.click();
    const { stream } = (await start).detail;
    const microphones = (await navigator.mediaDevices.enumerateDevices()).filter(
      (device) => device.kind === 'audioinput',
    );
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((device) => device.kind === 'videoinput');
    // Chromium's fake devices: one camera and three microphones (a default alias and two more).
    expect(microphones.length).to.be.at.least(2);
    const select = (await until(
      () => part(element, 'microphone-select'),
      'the microphone picker',
    )) as HTMLSelectElement;
    expect(select.getAttribute('aria-label')).to.equal('Microphone');
    expect([...select.options].map((option) => option.textContent)).to.deep.equal(
      microphones.map((device) => device.label),
    );
    expect([...select.options].map((option) => option.value)).to.deep.equal(
      microphones.map((device) => device.deviceId),
    );
    // A picker appears only when there is a choice: with one fake camera there is none.
    expect(Boolean(part(element, 'camera-select'))).to.equal(cameras.length > 1);

    const [before] = stream.getAudioTracks();
    const current = before.getSettings().deviceId;
    expect(select.value).to.equal(current);
    const other = microphones.find((device) => device.deviceId !== current && device.deviceId !== 'default')!;
    select.value = other.deviceId;
    select.dispatchEvent(new Event('change'));
    await until(() => stream.getAudioTracks()[0]?.getSettings().deviceId === other.deviceId, 'the new microphone');
    expect(stream.getAudioTracks()).to.have.length(1);
    expect(before.readyState).to.equal('ended');
    expect(element.stream).to.equal(stream);
    expect(element.microphoneId).to.equal(other.deviceId);
    expect(stream.getVideoTracks()[0].readyState).to.equal('live');
    await element.updateComplete;
    expect((part(element, 'microphone-select') as HTMLSelectElement).value).to.equal(other.deviceId);
  });

  it('a switched microphone keeps the muted state', async function () {
    skipWhere(this, lacks.secondMicrophone);
    const element = await fixture<RtcCamera>(html`<rtc-camera muted></rtc-camera>`);
    const stream = (await element.start())!;
    const other = (await navigator.mediaDevices.enumerateDevices()).find(
      (device) => device.kind === 'audioinput' && device.deviceId !== stream.getAudioTracks()[0].getSettings().deviceId,
    )!;
    element.microphoneId = other.deviceId;
    await until(() => stream.getAudioTracks()[0]?.getSettings().deviceId === other.deviceId, 'the new microphone');
    expect(stream.getAudioTracks()[0].enabled).to.equal(false);
  });

  /** A camera that is not there, which a devicechange pretends was plugged in. */
  const usbCamera = {
    deviceId: 'plugged-in',
    groupId: 'g',
    kind: 'videoinput',
    label: 'USB camera',
    toJSON: () => ({}),
  } as MediaDeviceInfo;

  it('the pickers follow devicechange', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    await element.start();
    const real = await realEnumerateDevices.call(mediaDevices);
    mediaDevices.enumerateDevices = () => Promise.resolve([...real, usbCamera]);
    mediaDevices.dispatchEvent(new Event('devicechange'));
    const select = (await until(() => part(element, 'camera-select'), 'the camera picker')) as HTMLSelectElement;
    expect([...select.options].map((option) => option.textContent)).to.include('USB camera');
    mediaDevices.enumerateDevices = () => Promise.resolve(real);
    mediaDevices.dispatchEvent(new Event('devicechange'));
    await until(
      () => !part(element, 'camera-select') || real.filter((d) => d.kind === 'videoinput').length > 1,
      'the picker to shrink',
    );
    element.stop();
  });

  it('a devicechange during the listing that follows a start wins over it, however late that listing answers', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const real = await realEnumerateDevices.call(mediaDevices);
    // The listing a start asks for answers only when the test says (Firefox can be that slow).
    let answerStartListing!: () => void;
    const held = new Promise<void>((resolve) => (answerStartListing = resolve));
    let startListingAnswered!: () => void;
    const answered = new Promise<void>((resolve) => (startListingAnswered = resolve));
    mediaDevices.enumerateDevices = async () => {
      await held;
      startListingAnswered();
      return real;
    };
    await element.start();
    mediaDevices.enumerateDevices = () => Promise.resolve([...real, usbCamera]);
    mediaDevices.dispatchEvent(new Event('devicechange'));
    await until(() => part(element, 'camera-select'), 'the camera picker');
    answerStartListing();
    await answered;
    // What the late answer leads to runs in microtasks: all of them run before the next task.
    await new Promise((resolve) => setTimeout(resolve));
    await element.updateComplete;
    const select = part(element, 'camera-select') as HTMLSelectElement | null;
    expect([...(select?.options ?? [])].map((option) => option.textContent)).to.include('USB camera');
    element.stop();
  });

  it('a device switch that fails keeps the old device live and says why', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const stream = (await element.start())!;
    const [before] = stream.getAudioTracks();
    mediaDevices.getUserMedia = () => Promise.reject(new DOMException('gone', 'NotFoundError'));
    const failed = nextEvent<CustomEvent<MediaErrorDetail>>(element, 'rtc-media-error');
    element.microphoneId = 'unplugged';
    expect((await failed).detail.code).to.equal('no-device');
    await until(() => element.microphoneId === before.getSettings().deviceId, 'the id back on the device in use');
    await element.updateComplete;
    expect(element.state).to.equal('live');
    expect(element.error).to.equal(null);
    expect(stream.getAudioTracks()).to.deep.equal([before]);
    expect(before.readyState).to.equal('live');
    element.stop();
  });

  it('a busy device that still fails once the old one is released ends the capture as failed', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const stream = (await element.start())!;
    mediaDevices.getUserMedia = () => Promise.reject(new DOMException('busy', 'NotReadableError'));
    const stopped = nextEvent<CustomEvent<{ reason: string }>>(element, 'rtc-camera-stop');
    const failed = nextEvent<CustomEvent<MediaErrorDetail>>(element, 'rtc-media-error');
    element.microphoneId = 'busy-microphone';
    expect((await stopped).detail.reason).to.equal('failed');
    expect((await failed).detail.code).to.equal('device-busy');
    await element.updateComplete;
    expect(element.state).to.equal('error');
    expect(element.error?.code).to.equal('device-busy');
    expect(stream.getTracks().every((track) => track.readyState === 'ended')).to.equal(true);
    expect(part(element, 'error-message')!.textContent).to.equal(element.error!.message);
  });

  it('with source="screen", camera-id and microphone-id set while live leave the screen track alone', async () => {
    const canvas = document.createElement('canvas');
    canvas.getContext('2d')!.fillRect(0, 0, 10, 10);
    const screen = canvas.captureStream();
    override(mediaDevices, 'getDisplayMedia', () => Promise.resolve(screen));
    let asked = false;
    mediaDevices.getUserMedia = (constraints) => {
      asked = true;
      return realGetUserMedia.call(mediaDevices, constraints);
    };
    const element = await fixture<RtcCamera>(html`<rtc-camera source="screen"></rtc-camera>`);
    const [track] = screen.getVideoTracks();
    expect(await element.start()).to.equal(screen);
    let replaced = false;
    element.addEventListener('rtc-camera-track', () => (replaced = true));
    const devices = await realEnumerateDevices.call(mediaDevices);
    element.cameraId = devices.find((device) => device.kind === 'videoinput')!.deviceId;
    element.microphoneId = devices.find((device) => device.kind === 'audioinput')!.deviceId;
    await element.updateComplete;
    await aTimeout(200);
    expect(asked).to.equal(false);
    expect(replaced).to.equal(false);
    expect(screen.getTracks()).to.deep.equal([track]);
    expect(track.readyState).to.equal('live');
    element.stop();
    expect(track.readyState).to.equal('ended');
  });

  it('tracks the browser ends stop the capture with reason ended once none is left', async () => {
    // What an unplugged device looks like: the track ends, then fires ended (stop() alone fires nothing).
    let end!: (track: MediaStreamTrack) => Promise<void>;
    mediaDevices.getUserMedia = async (constraints) => {
      const endable = await endableTracks(await realStream(constraints));
      end = endable.end;
      return endable.stream;
    };
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const stream = (await element.start())!;
    let stops = 0;
    element.addEventListener('rtc-camera-stop', () => stops++);
    await end(stream.getAudioTracks()[0]);
    await element.updateComplete;
    expect(stops).to.equal(0);
    expect(element.state).to.equal('live');
    expect(element.stream).to.equal(stream);
    const stopped = nextEvent<CustomEvent<{ reason: string }>>(element, 'rtc-camera-stop');
    await end(stream.getVideoTracks()[0]);
    expect((await stopped).detail.reason).to.equal('ended');
    await element.updateComplete;
    expect(element.state).to.equal('idle');
    expect(element.stream).to.equal(null);
  });
});

describe('<rtc-camera> track hygiene', () => {
  /** Wraps getUserMedia: every stream it hands out, and every call still pending. */
  function recordStreams() {
    const streams: MediaStream[] = [];
    const calls: Array<Promise<unknown>> = [];
    mediaDevices.getUserMedia = (constraints) => {
      const call = realGetUserMedia.call(mediaDevices, constraints).then((stream) => {
        streams.push(stream);
        return stream;
      });
      calls.push(call.catch(() => {}));
      return call;
    };
    return { streams, calls };
  }

  it('100 connect/disconnect cycles, many while starting, leave no live track', async function (this: {
    timeout(ms: number): void;
  }) {
    this.timeout(120_000);
    const { streams, calls } = recordStreams();
    const host = document.createElement('div');
    document.body.append(host);
    try {
      for (let i = 0; i < 100; i++) {
        const element = document.createElement('rtc-camera');
        element.autostart = true;
        host.append(element);
        switch (i % 4) {
          case 0: // removed in the same task, before getUserMedia could answer
            break;
          case 1: // removed while getUserMedia is pending
            await aTimeout(i % 7);
            break;
          case 2: // removed once live
            await nextEvent(element, 'rtc-camera-start');
            break;
          case 3: // stop() while starting, then removed
            element.stop();
            await aTimeout(1);
            break;
        }
        element.remove();
      }
      await Promise.all(calls);
      expect(calls.length).to.be.at.least(75);
      expect(streams.length).to.be.at.least(25);
      await until(
        () => streams.every((stream) => stream.getTracks().every((track) => track.readyState === 'ended')),
        'every track to end',
      );
      const live = streams.flatMap((stream) => stream.getTracks()).filter((track) => track.readyState !== 'ended');
      expect(live).to.have.length(0);
    } finally {
      host.remove();
    }
  });

  it('a getUserMedia that resolves after the element left has its tracks stopped at once', async () => {
    let resolve!: (stream: MediaStream) => void;
    mediaDevices.getUserMedia = () => new Promise<MediaStream>((done) => (resolve = done));
    const element = await fixture<RtcCamera>(html`<rtc-camera timeout="0"></rtc-camera>`);
    part(element, 'start-button')!.click();
    await element.updateComplete;
    expect(element.state).to.equal('starting');
    element.remove();
    await aTimeout(0);
    const stream = await realStream();
    resolve(stream);
    await until(() => stream.getTracks().every((track) => track.readyState === 'ended'), 'the late tracks to end');
    expect(element.stream).to.equal(null);
  });

  it('stop() while starting discards the stream that arrives later', async () => {
    let resolve!: (stream: MediaStream) => void;
    mediaDevices.getUserMedia = () => new Promise<MediaStream>((done) => (resolve = done));
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const pending = element.start();
    element.stop();
    const stream = await realStream();
    resolve(stream);
    expect(await pending).to.equal(null);
    expect(stream.getTracks().every((track) => track.readyState === 'ended')).to.equal(true);
    await element.updateComplete;
    expect(element.state).to.equal('idle');
  });

  it('moving the element within the page keeps the stream; removing it stops every track', async () => {
    const element = await fixture<RtcCamera>(html`<rtc-camera></rtc-camera>`);
    const stream = (await element.start())!;
    const other = document.createElement('div');
    document.body.append(other);
    other.append(element);
    await aTimeout(0);
    expect(element.stream).to.equal(stream);
    expect(stream.getTracks().every((track) => track.readyState === 'live')).to.equal(true);
    other.remove();
    await until(() => stream.getTracks().every((track) => track.readyState === 'ended'), 'every track to end');
  });
});
