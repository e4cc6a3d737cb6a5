// <rtc-call> with a real relay and real peers: several calls in one page, each with its own
// signaling URL (`?peer=a`), hence its own Room, socket and RTCPeerConnections (see
// rtc-datachannel.test.ts). Fake camera and microphone; small video to spare the two cores.
import { expect, fixture, html } from '@open-wc/testing';
import '../../components/rtc-call.js';
import '../../components/rtc-chat.js';
// The page's own cameras (a call does not load <rtc-camera>: the page does, or the loader for the tag).
import '../../components/rtc-camera.js';
import type { RtcCall } from '../../components/rtc-call.js';
import type { RtcChat } from '../../components/rtc-chat.js';
import type { RtcCamera } from '../../components/rtc-camera.js';
import { Room } from '../../components/internal/mesh/room.js';
import { sendKeys } from '@web/test-runner-commands';
import {
  endableTracks,
  lacks,
  nextEvent,
  skipWhere,
  startRelay,
  stopRelay,
  uniqueName,
  until,
  freshRoom,
} from './helpers.js';
import {
  button,
  call,
  canvasScreen,
  captured,
  connections,
  fired,
  framesRising,
  media,
  pcs,
  remoteVideos,
  roomOf,
  tiles,
  userMediaCount,
  wrappedGetUserMedia,
} from './call-harness.js';

describe('<rtc-call>', () => {
  it('three participants each see and decode two remote videos and receive two audio tracks', async () => {
    const { els } = await call(['a', 'b', 'c']);
    for (const el of els) {
      expect(el.state).to.equal('live');
      expect(pcs(el)).to.have.length(2);
      const streams = remoteVideos(el).map((video) => video.srcObject as MediaStream);
      expect(streams.map((s) => s.getAudioTracks().length)).to.deep.equal([1, 1]);
      expect(streams.map((s) => s.getVideoTracks().length)).to.deep.equal([1, 1]);
      // Tiles are named for screen readers by the peers' names; yours is first.
      expect(
        tiles(el)
          .map((tile) => tile.getAttribute('aria-label'))
          .sort(),
      ).to.deep.equal(['a', 'b', 'c'].filter((n) => n !== el.name));
    }
    await framesRising(els, 'frames decoded on every connection');
    for (const el of els) {
      const events = fired.get(el)!;
      expect(events.filter((e) => e === 'track audio')).to.have.length(2);
      expect(events.filter((e) => e === 'track video')).to.have.length(2);
      expect(events.filter((e) => e === 'state connected')).to.have.length(2);
      // The stats poll rates each connection: good on loopback.
      await until(
        () => tiles(el).every((tile) => tile.querySelector('[part=quality]')?.getAttribute('aria-valuenow') === '3'),
        'quality meters',
      );
    }
  });

  it('a re-render (the stats poll, twice a second) does not reload the remote videos', async () => {
    const { els } = await call(['a', 'b']);
    const [video] = remoteVideos(els[0]!);
    let loads = 0;
    video!.addEventListener('loadstart', () => loads++);
    // Two polls, each one a render; and a toggle.
    els[0]!.muted = true;
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(loads).to.equal(0);
    expect(video!.videoWidth).to.be.above(0);
    els.forEach((el) => el.hangUp());
  });

  it('an <rtc-camera> child is the camera sent; audio-only sends the microphone alone', async () => {
    const relay = uniqueName('relay');
    const url = await startRelay(relay);
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-call autojoin room=${room} name="a" signaling=${`${url}?peer=a`}><rtc-camera video="320x240" controls="none"></rtc-camera></rtc-call>
      <rtc-call autojoin audio-only room=${room} name="b" signaling=${`${url}?peer=b`}></rtc-call>
    </div>`);
    const [a, b] = host.querySelectorAll('rtc-call');
    const child = a!.querySelector('rtc-camera')!;
    await until(() => remoteVideos(a!)[0]?.srcObject && remoteVideos(b!)[0]?.videoWidth, 'media both ways');
    // (Booleans: chai would format a whole element tree in a failure message.)
    expect(!!a!.shadowRoot!.querySelector('rtc-camera'), 'an inner camera').to.equal(false);
    const sent = pcs(a!)[0]!
      .getSenders()
      .map((s) => s.track!.id);
    expect(sent).to.have.members(child.stream!.getTracks().map((t) => t.id));
    const fromB = remoteVideos(a!)[0]!.srcObject as MediaStream;
    expect([fromB.getAudioTracks().length, fromB.getVideoTracks().length]).to.deep.equal([1, 0]);
    expect(!!button(b!, 'camera') || !!button(b!, 'share'), 'video buttons').to.equal(false);
  });

  it('a camera that fails ends the join with the camera’s error', async () => {
    const url = await startRelay(uniqueName('relay'));
    media.getUserMedia = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
    try {
      const el = await fixture<RtcCall>(html`<rtc-call room=${uniqueName('room')} signaling=${url}></rtc-call>`);
      const errors: string[] = [];
      el.addEventListener('rtc-call-error', (e) => errors.push(e.detail.code));
      button(el, 'join').click();
      await until(() => errors.length, 'rtc-call-error');
      expect(errors).to.deep.equal(['permission-denied']);
      expect(el.state).to.equal('idle');
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('[part=error]')!.textContent).to.contain('Camera access was blocked.');
    } finally {
      media.getUserMedia = wrappedGetUserMedia;
    }
  });

  it('camera="id" naming no element ends the join with no-device and its texts', async () => {
    const url = await startRelay(uniqueName('relay'));
    const el = await fixture<RtcCall>(
      html`<rtc-call room=${uniqueName('room')} signaling=${url} camera="no-such-camera"></rtc-call>`,
    );
    const error = nextEvent<CustomEvent<{ code: string; message: string; hint: string }>>(el, 'rtc-call-error');
    button(el, 'join').click();
    expect((await error).detail).to.deep.equal({
      code: 'no-device',
      message: 'No camera or microphone found.',
      hint: 'Connect one and try again.',
    });
    expect(el.state).to.equal('idle');
  });

  it('Enter in the name field joins under that name, and the page stays', async () => {
    const url = await startRelay(uniqueName('relay'));
    const el = await fixture<RtcCall>(html`<rtc-call room=${uniqueName('room')} signaling=${url}></rtc-call>`);
    const page = location.href;
    el.shadowRoot!.querySelector<HTMLInputElement>('[part=input]')!.focus();
    await sendKeys({ type: 'Ada' });
    await sendKeys({ press: 'Enter' });
    await until(() => el.state === 'live', 'live');
    expect([el.name, location.href]).to.deep.equal(['Ada', page]);
    el.hangUp();
  });

  it('mute and camera-off disable the tracks sent and show on the other tiles', async () => {
    const {
      els: [a, b],
    } = await call(['a', 'b']);
    button(a!, 'mute').click();
    button(a!, 'camera').click();
    const senders = pcs(a!)[0]!.getSenders();
    await until(() => senders.every((s) => s.track && !s.track.enabled), 'tracks disabled at the sender');
    const tile = tiles(b!)[0]!;
    await until(() => tile.getAttribute('aria-label') === 'a, Muted', 'the muted label at b');
    expect(tile.querySelector('[part=muted]')?.textContent).to.equal('Muted');
    expect(tile.hasAttribute('camera-off')).to.equal(true);
    expect(button(a!, 'mute').textContent).to.contain('Unmute');

    button(a!, 'mute').click();
    await until(() => tile.getAttribute('aria-label') === 'a', 'unmuted at b');
    expect(senders.find((s) => s.track?.kind === 'audio')!.track!.enabled).to.equal(true);
  });

  it('remote audio the browser refuses to play shows "Enable audio", which plays it', async () => {
    const realPlay = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = () => Promise.reject(new DOMException('no gesture', 'NotAllowedError'));
    let a: RtcCall;
    try {
      const relay = uniqueName('relay');
      const url = await startRelay(relay);
      const room = uniqueName('room');
      const host = await fixture<HTMLDivElement>(
        html`<div>${['a', 'b'].map(
          (name) =>
            html`<rtc-call autojoin video="320x240" room=${room} name=${name} signaling=${`${url}?peer=${name}`}></rtc-call>`,
        )}</div>`,
      );
      a = host.querySelector('rtc-call')!;
      await until(() => a.shadowRoot!.querySelector('[part~=audio-button]'), 'the enable audio button');
    } finally {
      HTMLMediaElement.prototype.play = realPlay;
    }
    const video = remoteVideos(a)[0]!;
    expect(video.currentTime).to.equal(0);
    // A real key press (a user gesture, which a synthetic click is not).
    button(a, 'audio').focus();
    await sendKeys({ press: 'Enter' });
    await until(() => !a.shadowRoot!.querySelector('[part~=audio-button]'), 'the button gone');
    await until(() => video.currentTime > 0 && !video.paused, 'the remote video playing');
    expect(video.muted).to.equal(false);
  });

  it('screen share replaces the video at the others without renegotiating, and its end goes back to the camera', async () => {
    const {
      els: [a, b],
    } = await call(['a', 'b']);
    const [pcA] = pcs(a!);
    const [pcB] = pcs(b!);
    const video = remoteVideos(b!)[0]!;
    expect(video.videoWidth).to.equal(320);
    const realGetDisplayMedia = media.getDisplayMedia;
    let screen: Awaited<ReturnType<typeof endableTracks>> | undefined;
    media.getDisplayMedia = async () => (screen = await endableTracks(canvasScreen())).stream;
    try {
      button(a!, 'share').click();
      await until(() => video.videoHeight === 180, 'the canvas size at b');
      expect(button(a!, 'share').textContent).to.contain('Stop sharing');
      // The browser's "Stop sharing": the track ends.
      await screen!.end(screen!.stream.getVideoTracks()[0]!);
      await until(() => video.videoHeight === 240, 'the camera again at b');
    } finally {
      media.getDisplayMedia = realGetDisplayMedia;
    }
    expect(pcs(a!)[0] === pcA, 'the same connection at a').to.equal(true);
    expect(pcs(b!)[0] === pcB, 'the same connection at b').to.equal(true);
    expect([pcA!.connectionState, pcB!.connectionState]).to.deep.equal(['connected', 'connected']);
    await framesRising([b!], 'frames decoded after the share');
  });

  it('a refused screen picker changes nothing; pressing share again stops the screen and sends the camera', async () => {
    const {
      els: [a, b],
    } = await call(['a', 'b']);
    const video = remoteVideos(b!)[0]!;
    const sender = pcs(a!)[0]!
      .getSenders()
      .find((s) => s.track?.kind === 'video')!;
    const camera = sender.track;
    const realGetDisplayMedia = media.getDisplayMedia;
    let screen: MediaStream | undefined;
    try {
      media.getDisplayMedia = () => Promise.reject(new DOMException('Refused', 'NotAllowedError'));
      const refused = nextEvent(a!, 'rtc-call-error', 'the refusal');
      button(a!, 'share').click();
      await refused;
      expect(button(a!, 'share').textContent).to.contain('Share screen');
      expect(sender.track).to.equal(camera);
      media.getDisplayMedia = async () => (screen = canvasScreen());
      button(a!, 'share').click();
      await until(() => video.videoHeight === 180, 'the canvas size at b');
      button(a!, 'share').click();
      await until(() => video.videoHeight === 240, 'the camera again at b');
      expect(screen!.getVideoTracks()[0]!.readyState).to.equal('ended');
      expect(sender.track).to.equal(camera);
      expect(button(a!, 'share').textContent).to.contain('Share screen');
    } finally {
      media.getDisplayMedia = realGetDisplayMedia;
    }
  });

  it('camera="id" sends that camera; a microphone switch on it replaces the track sent on the same connection; removing the call stops it', async function () {
    skipWhere(this, lacks.secondMicrophone);
    const relay = uniqueName('relay');
    const url = await startRelay(relay);
    const room = uniqueName('room');
    const host = await fixture<HTMLDivElement>(html`<div>
      <rtc-camera id="cam-a" video="320x240"></rtc-camera>
      <rtc-call autojoin camera="cam-a" room=${room} name="a" signaling=${`${url}?peer=a`}></rtc-call>
      <rtc-call autojoin video="320x240" room=${room} name="b" signaling=${`${url}?peer=b`}></rtc-call>
    </div>`);
    const [a, b] = host.querySelectorAll('rtc-call');
    const cam = host.querySelector<RtcCamera>('#cam-a')!;
    await until(() => remoteVideos(b!)[0]?.videoWidth, 'a’s video at b');
    expect(!!a!.shadowRoot!.querySelector('rtc-camera'), 'an inner camera').to.equal(false);
    const [pc] = pcs(a!);
    const sender = pc!.getSenders().find((s) => s.track?.kind === 'audio')!;
    const old = sender.track!;
    const other = cam.devices.find((d) => d.kind === 'audioinput' && d.deviceId !== old.getSettings().deviceId);
    expect(other, 'a second fake microphone').to.exist;
    cam.microphoneId = other!.deviceId;
    await until(() => sender.track !== old && sender.track?.readyState === 'live', 'the new microphone sent');
    expect(sender.track!.getSettings().deviceId).to.equal(other!.deviceId);
    expect(cam.stream!.getAudioTracks()[0]!.id).to.equal(sender.track!.id);
    expect(pcs(a!)[0] === pc, 'the same connection').to.equal(true);

    // Removed from the page, the call stops the camera it started, though it can no longer find it by id.
    const tracks = cam.stream!.getTracks();
    a!.remove();
    await until(() => tracks.every((t) => t.readyState === 'ended'), 'the camera’s tracks stopped');
    expect(cam.state).to.equal('idle');
  });

  it('a leaver’s tile goes at the others; hang up stops every track and closes every connection', async () => {
    const {
      els: [a, b, c],
    } = await call(['a', 'b', 'c']);
    const leaves: Event[] = [];
    c!.addEventListener('rtc-call-leave', (e) => leaves.push(e));
    button(c!, 'leave').click();
    await until(() => tiles(a!).length === 1 && tiles(b!).length === 1, 'c’s tile gone at a and b');
    expect(tiles(a!).map((t) => t.getAttribute('aria-label'))).to.deep.equal(['b']);
    expect(a!.shadowRoot!.querySelector('[role=status]')!.textContent).to.equal('c left');
    expect(leaves).to.have.length(1);
    expect(c!.state).to.equal('idle');

    a!.hangUp();
    b!.remove();
    await until(() => captured.every((t) => t.readyState === 'ended'), 'every captured track ended');
    await until(() => connections.every((pc) => pc.connectionState === 'closed'), 'every connection closed');
    expect(captured.length).to.be.greaterThan(5);
    expect(!!a!.shadowRoot!.querySelector('[part~=join-button]'), 'the join button').to.equal(true);
  });

  it('max-peers="2": the third gets room-full and captures nothing', async () => {
    const { url, room } = await call(['a', 'b'], '2');
    const before = userMediaCount();
    const c = document.createElement('rtc-call');
    Object.assign(c, { room, maxPeers: 2, signaling: `${url}?peer=c` });
    // The others' tiles are up when the welcome turns us away: ending the call in that update must
    // not throw (an update that throws rejects updateComplete, unhandled).
    const thrown: string[] = [];
    const onRejection = (e: PromiseRejectionEvent) => thrown.push(String(e.reason));
    window.addEventListener('unhandledrejection', onRejection);
    document.body.append(c);
    try {
      await c.updateComplete;
      // The join screen: nothing captured, no Room, until the join press.
      expect(c.state).to.equal('idle');
      expect([...Room.open.keys()].some((key) => key.includes('peer=c'))).to.equal(false);
      const errors: string[] = [];
      c.addEventListener('rtc-call-error', (e) => errors.push(e.detail.code));
      button(c, 'join').click();
      await until(() => c.state === 'full', 'room-full');
      expect(errors).to.deep.equal(['room-full']);
      expect(c.shadowRoot!.querySelector('[role=alert]')!.textContent).to.contain('The call is full.');
      expect(userMediaCount()).to.equal(before);
      await c.updateComplete;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(thrown).to.deep.equal([]);
    } finally {
      window.removeEventListener('unhandledrejection', onRejection);
      c.remove();
    }
  });

  it('an error shows the texts `strings` gives for its code (a relay refusal here), in the box and the event', async () => {
    const strings = { 'bad-room': 'Nom de salle invalide.', 'bad-room-hint': 'Lettres et chiffres seulement.' };
    const c = document.createElement('rtc-call');
    Object.assign(c, { room: 'not a valid room!', strings });
    document.body.append(c);
    try {
      await c.updateComplete;
      const error = nextEvent<CustomEvent<{ code: string; message: string; hint: string }>>(c, 'rtc-call-error');
      button(c, 'join').click();
      expect((await error).detail).to.deep.equal({
        code: 'bad-room',
        message: strings['bad-room'],
        hint: strings['bad-room-hint'],
      });
      expect(c.state).to.equal('idle');
      expect(c.shadowRoot!.querySelector('[part=error-message]')!.textContent).to.equal('Nom de salle invalide.');
      expect(c.shadowRoot!.querySelector('[part=error-hint]')!.textContent).to.equal('Lettres et chiffres seulement.');
      // Without a text of its own, the relay's message and the client's hint show.
      c.strings = {};
      c.join();
      const plain = (await nextEvent<CustomEvent<{ code: string; message: string; hint: string }>>(c, 'rtc-call-error'))
        .detail;
      expect(plain.code).to.equal('bad-room');
      expect(plain.hint).to.contain('letters, digits');
    } finally {
      c.remove();
    }
  });

  it('a call survives a relay restart: media keeps flowing', async () => {
    const { relay, els } = await call(['a', 'b']);
    const [pc] = pcs(els[0]!);
    await stopRelay(relay);
    await framesRising(els, 'frames while the relay is down');
    await startRelay(relay);
    await until(() => els.every((el) => roomOf(el).state === 'joined'), 'both rejoined', 25_000);
    await framesRising(els, 'frames after the restart');
    expect(pcs(els[0]!)[0] === pc, 'the same connection').to.equal(true);
    expect(els.map((el) => el.state)).to.deep.equal(['live', 'live']);
  });
});

// A call and a chat in one page with the same room and endpoint share one Room: one socket and one
// RTCPeerConnection per remote peer. Each side here is one page's pair (`?peer=a`, `?peer=b`).
describe('<rtc-call> sharing a Room with an <rtc-chat>', () => {
  /** A chat for each of `names` in one room of a fresh relay (not yet connected to each other). */
  async function chats(names: string[]) {
    const { url, room } = await freshRoom();
    const host = await fixture<HTMLDivElement>(
      html`<div>${names.map(
        (name) => html`<rtc-chat room=${room} name=${name} signaling=${`${url}?peer=${name}`}></rtc-chat>`,
      )}</div>`,
    );
    return { url, room, host, els: [...host.querySelectorAll('rtc-chat')] };
  }

  /** Adds an autojoin call for `name` to `host`, in the Room of `name`'s chat. */
  function addCall(host: HTMLElement, url: string, room: string, name: string): RtcCall {
    const el = Object.assign(document.createElement('rtc-call'), {
      autojoin: true,
      video: '320x240',
      room,
      name,
      signaling: `${url}?peer=${name}`,
    });
    host.append(el);
    return el;
  }

  /** `from` sends `text`; waits until `to` lists it. */
  async function chatFlows(from: RtcChat, to: RtcChat, text: string): Promise<void> {
    expect(from.send(text)).to.equal(true);
    await until(
      () => [...to.shadowRoot!.querySelectorAll('li')].some((li) => li.textContent!.includes(text)),
      `"${text}" at the other chat`,
    );
  }

  /** Every call sees one remote video playing, on one shared connection, with one audio and one video track event. */
  async function mediaBothWays(calls: RtcCall[]): Promise<void> {
    await until(
      () => calls.every((el) => remoteVideos(el)[0]?.videoWidth === 320),
      'the remote video on every call',
      20_000,
    );
    for (const el of calls) {
      expect(pcs(el)).to.have.length(1);
      const stream = remoteVideos(el)[0]!.srcObject as MediaStream;
      expect([stream.getAudioTracks().length, stream.getVideoTracks().length]).to.deep.equal([1, 1]);
      expect(
        fired
          .get(el)!
          .filter((e) => e.startsWith('track'))
          .sort(),
      ).to.deep.equal(['track audio', 'track video']);
    }
    await framesRising(calls, 'frames decoded on the shared connections');
  }

  it('a call added beside connected chats sends and receives video on the chats’ connection; the chats still talk', async () => {
    const {
      url,
      room,
      host,
      els: [a, b],
    } = await chats(['a', 'b']);
    await Promise.all([a!, b!].map((el) => nextEvent(el, 'rtc-open', 'the chat channel')));
    const [pcA] = pcs(a!);
    const calls = [addCall(host, url, room, 'a'), addCall(host, url, room, 'b')];
    await mediaBothWays(calls);
    // The chats' connection carries the media: the same RTCPeerConnection, renegotiated.
    expect(pcs(calls[0]!)[0] === pcA, 'the chat’s connection').to.equal(true);
    expect([...Room.open.keys()].filter((key) => key.endsWith(` ${room}`))).to.have.length(2);
    await chatFlows(a!, b!, 'after the call joined');
    await chatFlows(b!, a!, 'and back');
  });

  it('a call that joins after the other side’s tracks arrived shows them, and sends its own', async () => {
    const {
      url,
      room,
      host,
      els: [a, b],
    } = await chats(['a', 'b']);
    // a's call is live from the start; b has only its chat when a's tracks arrive.
    const callA = addCall(host, url, room, 'a');
    await until(
      () =>
        pcs(b!)[0]
          ?.getReceivers()
          .filter((r) => r.track.readyState === 'live' && !r.track.muted).length === 2,
      'a’s tracks at b',
      20_000,
    );
    const callB = addCall(host, url, room, 'b');
    await mediaBothWays([callA, callB]);
    await chatFlows(b!, a!, 'still chatting');
  });

  it('hang up and rejoin beside a chat: the other sees our video again, on one set of senders, one connection-state event per change', async () => {
    const {
      url,
      room,
      host,
      els: [a, b],
    } = await chats(['a', 'b']);
    const [callA, callB] = [addCall(host, url, room, 'a'), addCall(host, url, room, 'b')];
    await mediaBothWays([callA!, callB!]);
    const [pcA] = pcs(callA!);
    const sending = () => pcA!.getSenders().flatMap((s) => (s.track ? [s.track] : []));
    const tileStream = () => remoteVideos(callB!)[0]!.srcObject as MediaStream;
    const events = fired.get(callA!)!;

    callA!.hangUp();
    // The chat keeps the connection up, but it carries none of a's media: b's tile of a empties.
    await until(() => tileStream().getTracks().length === 0, 'a’s tracks gone from b’s tile');
    expect(sending()).to.deep.equal([]);
    // A call that hung up reports no connection state.
    let count = events.length;
    pcA!.dispatchEvent(new Event('connectionstatechange'));
    expect(events.slice(count)).to.deep.equal([]);

    callA!.join();
    await until(
      () =>
        tileStream()
          .getTracks()
          .filter((t) => t.readyState === 'live' && !t.muted).length === 2,
      'a’s new tracks in b’s tile',
      20_000,
    );
    await until(
      () => remoteVideos(callB!)[0]!.videoWidth === 320 && remoteVideos(callA!)[0]?.videoWidth === 320,
      'video both ways again',
      20_000,
    );
    await framesRising([callA!, callB!], 'frames decoded after the rejoin');
    expect(pcs(callA!)[0] === pcA, 'the chat’s connection').to.equal(true);
    expect(
      sending()
        .map((t) => t.kind)
        .sort(),
    ).to.deep.equal(['audio', 'video']);
    expect(sending().every((t) => t.readyState === 'live')).to.equal(true);
    count = events.length;
    pcA!.dispatchEvent(new Event('connectionstatechange'));
    expect(events.slice(count)).to.deep.equal(['state connected']);

    // A screen share replaces the video on the one video sender sending.
    const realGetDisplayMedia = media.getDisplayMedia;
    let screen: MediaStream | undefined;
    media.getDisplayMedia = async () => (screen = canvasScreen());
    try {
      button(callA!, 'share').click();
      await until(() => screen && sending().includes(screen.getVideoTracks()[0]!), 'the screen sent');
      expect(
        sending()
          .map((t) => t.kind)
          .sort(),
      ).to.deep.equal(['audio', 'video']);
      await until(() => remoteVideos(callB!)[0]!.videoHeight === 180, 'the screen at b');
    } finally {
      media.getDisplayMedia = realGetDisplayMedia;
    }
    await chatFlows(a!, b!, 'still chatting');
  });

  it('a chat added beside a live call shares its connection and talks; the media keeps flowing', async () => {
    const { url, room } = await freshRoom();
    const host = await fixture<HTMLDivElement>(html`<div></div>`);
    const calls = [addCall(host, url, room, 'a'), addCall(host, url, room, 'b')];
    await until(
      () => calls.every((el) => remoteVideos(el)[0]?.videoWidth === 320),
      'the remote video on every call',
      20_000,
    );
    const [pcA] = pcs(calls[0]!);
    const [a, b] = ['a', 'b'].map((name) =>
      Object.assign(document.createElement('rtc-chat'), { room, name, signaling: `${url}?peer=${name}` }),
    );
    host.append(a!, b!);
    await Promise.all([a!, b!].map((el) => nextEvent(el, 'rtc-open', 'the chat channel')));
    await chatFlows(a!, b!, 'hello from the chat');
    await chatFlows(b!, a!, 'hello back');
    expect(pcs(calls[0]!)[0] === pcA, 'the call’s connection').to.equal(true);
    await mediaBothWays(calls);
  });
});
