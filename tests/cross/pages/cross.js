// What the cross-browser tests (tests/cross) do in a page, called by name from node with
// `page.evaluate('cross.NAME(...)')`. A classic script, run before the loader: it keeps every
// RTCPeerConnection the elements make, and collects the events they fire. The page holds no
// element at first: the tests add them, and the loader (`/rtc-elements.js`, as a user's page has
// it) loads each one's module when its tag appears.
'use strict';

const connections = [];
window.RTCPeerConnection = class extends RTCPeerConnection {
  constructor(configuration) {
    super(configuration);
    connections.push(this);
  }
};

/** Every rtc- event fired in the page, in order: `{type, detail}` (what JSON can carry of it). */
const events = [];
const recorded = [
  'rtc-open',
  'rtc-message',
  'rtc-file',
  'rtc-transfer-error',
  'rtc-peer-error',
  'rtc-signaling-error',
  'rtc-call-join',
  'rtc-call-error',
  'rtc-track',
  'rtc-connection-state',
];
for (const type of recorded) {
  document.addEventListener(type, (event) => events.push({ type, detail: plain(event.detail) }));
}

/** The JSON-safe part of an event's detail (no tracks, streams or files). */
function plain(detail) {
  const copy = {};
  for (const [key, value] of Object.entries(detail ?? {})) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) copy[key] = value;
  }
  return copy;
}

async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Bytes that differ from one position to the next, the same for a given seed in every browser. */
function patternedBytes(size, seed) {
  const bytes = new Uint8Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    // xorshift32: cheap and the same everywhere.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** The mean brightness (0-255) of a frame of `video`, drawn on a small canvas. */
function brightness(video) {
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 24;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += (data[i] + data[i + 1] + data[i + 2]) / 3;
  return sum / (data.length / 4);
}

window.cross = {
  /** The browser, once the page (and the loader) ran. */
  ready() {
    return navigator.userAgent;
  },

  /** The events fired so far whose type is `type` (all when absent). */
  events(type) {
    return events.filter((event) => !type || event.type === type);
  },

  /** Adds `<rtc-datachannel room>`; resolves once the loader has defined it. */
  addChannel(room, name) {
    const element = Object.assign(document.createElement('rtc-datachannel'), { room, name });
    element.id = 'channel';
    document.body.append(element);
    return customElements.whenDefined('rtc-datachannel').then(() => undefined);
  },

  /** The peers whose channel is open. */
  openPeers() {
    return document.getElementById('channel').openPeers;
  },

  send(text) {
    document.getElementById('channel').send(text);
  },

  /** The strings received so far. */
  messages() {
    return events.filter((event) => event.type === 'rtc-message').map((event) => event.detail.data);
  },

  /** Sends `size` patterned bytes as a file; resolves with its SHA-256 (hex). */
  async sendFile(size, seed) {
    const file = new File([patternedBytes(size, seed)], `pattern-${seed}.bin`, { type: 'application/octet-stream' });
    document.getElementById('channel').sendFile(file);
    return sha256Hex(file);
  },

  /** The files received so far: name, size and SHA-256 computed here. */
  received: [],
  async receivedFiles() {
    return Promise.all(
      window.cross.received.map(async (file) => ({ name: file.name, size: file.size, sha256: await sha256Hex(file) })),
    );
  },

  /** Adds `<rtc-call autojoin room name video="320x240">`; resolves once the loader has defined it. */
  addCall(room, name) {
    const element = document.createElement('rtc-call');
    Object.assign(element, { room, name, autojoin: true, video: '320x240' });
    element.id = 'call';
    document.body.append(element);
    return customElements.whenDefined('rtc-call').then(() => undefined);
  },

  /** The room of the call. */
  callRoom() {
    return document.getElementById('call').room;
  },

  /** Removes the call (it hangs up). */
  removeCall() {
    document.getElementById('call')?.remove();
  },

  setCall(properties) {
    Object.assign(document.getElementById('call'), properties);
  },

  /** What the call shows of the other peer: its tile's state and its video. */
  remoteTile() {
    const tile = document.getElementById('call')?.shadowRoot?.querySelector('[part=tile]');
    const video = tile?.querySelector('video');
    return tile
      ? {
          label: tile.getAttribute('aria-label'),
          cameraOff: tile.hasAttribute('camera-off'),
          width: video?.videoWidth ?? 0,
          height: video?.videoHeight ?? 0,
          playing: !!video && !video.paused && video.currentTime > 0,
          brightness: video?.videoWidth ? brightness(video) : null,
        }
      : null;
  },

  /** Totals over the inbound-rtp stats of every open connection: video frames decoded, audio energy. */
  async inbound() {
    const totals = { framesDecoded: 0, totalAudioEnergy: 0, audioPackets: 0, videoPackets: 0 };
    for (const pc of connections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((report) => {
        if (report.type !== 'inbound-rtp') return;
        if (report.kind === 'video') {
          totals.framesDecoded += report.framesDecoded ?? 0;
          totals.videoPackets += report.packetsReceived ?? 0;
        } else if (report.kind === 'audio') {
          totals.totalAudioEnergy += report.totalAudioEnergy ?? 0;
          totals.audioPackets += report.packetsReceived ?? 0;
        }
      });
    }
    return totals;
  },

  /** The states of every connection made in this page. */
  connectionStates() {
    return connections.map((pc) => pc.connectionState);
  },
};

document.addEventListener('rtc-file', (event) => window.cross.received.push(event.detail.file));
