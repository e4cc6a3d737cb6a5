// Page side of bench/browser.mjs: ours (<rtc-datachannel>), raw RTCPeerConnection signaled through
// the bare relay, and PeerJS through PeerServer. Node drives two pages (the two peers) with
// puppeteer and reads times as performance.timeOrigin + performance.now() (comparable across pages).
import { Peer } from '/peerjs.js';

const now = () => performance.timeOrigin + performance.now();
const CHUNK = 64 * 1024; // raw: the frame size <rtc-datachannel> uses
const HIGH_WATER = 4 * 1024 * 1024; // raw: pause above this much buffered (as <rtc-datachannel> does)
const READ_SLICE = 1024 * 1024; // raw and PeerJS read the Blob in 1 MiB slices
const state = {};
const config = await (await fetch('/config.json')).json();

function randomBlob(size) {
  const parts = [];
  for (let at = 0; at < size; at += 65536)
    parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65536, size - at))));
  return new Blob(parts, { type: 'application/octet-stream' });
}

window.bench = {
  prepare(size) {
    state.blob = randomBlob(size);
    return state.blob.size;
  },

  // ---- ours --------------------------------------------------------------------------------
  oursJoin(room) {
    const el = document.createElement('rtc-datachannel');
    el.setAttribute('room', room);
    el.setAttribute('signaling', config.signaling);
    state.el = el;
    const open = new Promise((resolve) =>
      el.addEventListener('rtc-open', (e) => resolve(e.detail.peer), { once: true }),
    );
    document.body.append(el);
    return open.then((peer) => (state.peer = peer));
  },
  oursArm() {
    state.done = new Promise((resolve, reject) => {
      state.el.addEventListener('rtc-file', (e) => resolve({ end: now(), size: e.detail.file.size }), { once: true });
      state.el.addEventListener('rtc-transfer-error', (e) => reject(new Error(e.detail.code)), { once: true });
    });
  },
  oursSend() {
    const start = now();
    state.el.sendFile(state.blob, { to: state.peer, name: 'bench.bin' });
    return start;
  },
  oursConnect(room) {
    // Time to connect: add the element, send on rtc-open, note the first message that arrives.
    const el = document.createElement('rtc-datachannel');
    el.setAttribute('room', room);
    el.setAttribute('signaling', config.signaling);
    state.el = el;
    const first = new Promise((resolve) => el.addEventListener('rtc-message', () => resolve(now()), { once: true }));
    el.addEventListener('rtc-open', (e) => el.send('hi', { to: e.detail.peer }), { once: true });
    const added = now();
    document.body.append(el);
    return first.then((end) => ({ added, end }));
  },
  oursLeave() {
    state.el?.remove();
    state.el = undefined;
  },

  // ---- raw ---------------------------------------------------------------------------------
  rawJoin(room, id) {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${config.bare}?id=${id}&room=${room}`);
      const pc = new RTCPeerConnection({ iceServers: [] });
      state.ws = ws;
      state.pc = pc;
      let other;
      const signal = (data) => ws.send(JSON.stringify({ type: 'signal', to: other, data }));
      pc.onicecandidate = (e) => e.candidate && signal({ candidate: e.candidate });
      const ready = (dc) => {
        dc.binaryType = 'arraybuffer';
        state.dc = dc;
        state.first = new Promise((first) => (dc.onmessage = () => first(now())));
        // The answerer's channel may already be open when the datachannel event fires.
        if (dc.readyState === 'open') resolve();
        else dc.onopen = () => resolve();
      };
      pc.ondatachannel = (e) => ready(e.channel);
      ws.onmessage = async (event) => {
        const message = JSON.parse(event.data);
        if (message.type === 'peer-joined') {
          // The one already there offers.
          other = message.id;
          ready(pc.createDataChannel('data', { ordered: true }));
          await pc.setLocalDescription();
          signal({ description: pc.localDescription });
        } else if (message.type === 'signal') {
          other = message.from;
          const { description, candidate } = message.data;
          if (description) {
            await pc.setRemoteDescription(description);
            if (description.type === 'offer') {
              await pc.setLocalDescription();
              signal({ description: pc.localDescription });
            }
          } else if (candidate) await pc.addIceCandidate(candidate);
        }
      };
    });
  },
  rawArm(size) {
    let received = 0;
    state.done = new Promise((resolve) => {
      state.dc.onmessage = (e) => {
        received += e.data.byteLength;
        if (received >= size) resolve({ end: now(), size: received });
      };
    });
  },
  async rawSend() {
    const { dc, blob } = state;
    const start = now();
    dc.bufferedAmountLowThreshold = HIGH_WATER / 2;
    for (let offset = 0; offset < blob.size; offset += READ_SLICE) {
      const slice = new Uint8Array(await blob.slice(offset, offset + READ_SLICE).arrayBuffer());
      for (let at = 0; at < slice.length; at += CHUNK) {
        if (dc.bufferedAmount > HIGH_WATER)
          await new Promise((resolve) => dc.addEventListener('bufferedamountlow', resolve, { once: true }));
        dc.send(slice.subarray(at, at + CHUNK));
      }
    }
    return start;
  },
  async rawConnect(room, id) {
    const added = now();
    await window.bench.rawJoin(room, id);
    state.dc.send('hi');
    return state.first.then((end) => ({ added, end }));
  },
  rawLeave() {
    state.dc?.close();
    state.pc?.close();
    state.ws?.close();
  },

  // ---- PeerJS ------------------------------------------------------------------------------
  pjJoin(id, callee) {
    return new Promise((resolve, reject) => {
      const peer = new Peer(id, {
        host: config.peerHost,
        port: config.peerPort,
        path: '/pj',
        key: 'peerjs',
        secure: false,
        debug: 0,
        config: { iceServers: [] },
      });
      state.peer = peer;
      peer.on('error', reject);
      const ready = (conn) => {
        state.conn = conn;
        conn.on('open', () => resolve());
      };
      peer.on('open', () => {
        if (callee) ready(peer.connect(callee, { reliable: true }));
      });
      peer.on('connection', ready);
    });
  },
  pjArm(size) {
    let received = 0;
    state.done = new Promise((resolve) => {
      state.conn.on('data', (data) => {
        received += data.byteLength;
        if (received >= size) resolve({ end: now(), size: received });
      });
    });
  },
  async pjSend() {
    const { conn, blob } = state;
    const start = now();
    for (let offset = 0; offset < blob.size; offset += READ_SLICE)
      conn.send(await blob.slice(offset, offset + READ_SLICE).arrayBuffer());
    return start;
  },

  done: () => state.done,
};
window.benchReady = true;
