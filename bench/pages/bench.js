// Page side of bench/browser.mjs: ours (<rtc-datachannel>, <rtc-chat>), raw RTCPeerConnection
// signaled through the bare relay, and PeerJS through PeerServer. Node drives the pages (the peers)
// with puppeteer and reads times as performance.timeOrigin + performance.now() (comparable across pages).
import { Peer } from '/peerjs.js';

const now = () => performance.timeOrigin + performance.now();
const MiB = 1024 * 1024;
const CHUNK = 64 * 1024; // raw: the frame size <rtc-datachannel> uses
const HIGH_WATER = 4 * MiB; // raw: pause above this much buffered (as <rtc-datachannel> does)
const READ_SLICE = MiB; // PeerJS reads the Blob in 1 MiB slices
const state = {};
const config = await (await fetch('/config.json')).json();

/** `size` bytes of noise, made one MiB at a time (each becomes a Blob at once: the page holds about one MiB of it). */
function randomBlob(size) {
  const base = new Uint8Array(MiB);
  for (let at = 0; at < MiB; at += 65536) crypto.getRandomValues(base.subarray(at, at + 65536));
  const parts = [];
  for (let at = 0; at < size; at += MiB) {
    const part = base.slice(0, Math.min(MiB, size - at));
    new DataView(part.buffer).setUint32(0, at / MiB); // no two MiB alike
    parts.push(new Blob([part]));
  }
  return new Blob(parts, { type: 'application/octet-stream' });
}

const hex = (digest) => Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');

window.bench = {
  prepare(size) {
    state.blob = randomBlob(size);
    return state.blob.size;
  },
  /** The same noise as `prepare`, in a file of the private file system, read as a File on disk. */
  async prepareOnDisk(size) {
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle('bench-source.bin', { create: true });
    const writable = await handle.createWritable();
    const base = new Uint8Array(MiB);
    for (let at = 0; at < MiB; at += 65536) crypto.getRandomValues(base.subarray(at, at + 65536));
    for (let at = 0; at < size; at += MiB) {
      const part = base.slice(0, Math.min(MiB, size - at));
      new DataView(part.buffer).setUint32(0, at / MiB); // no two MiB alike
      await writable.write(part);
    }
    await writable.close();
    state.blob = await handle.getFile();
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
  oursConnect(room, passphrase = '') {
    // Time to connect: add the element, send on rtc-open, note the first message that arrives.
    // With a passphrase, rtc-open waits for the peer's proof (and the key is derived first).
    const el = document.createElement('rtc-datachannel');
    el.setAttribute('room', room);
    el.setAttribute('signaling', config.signaling);
    el.passphrase = passphrase;
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
  // Raw does the same job the plain way: the sender reads the Blob as one stream into 64 KiB
  // messages (the same efficient reading as ours), with the same backpressure, and sends the file's
  // SHA-256 after them (crypto.subtle over the whole file, read once more meanwhile); the receiver
  // copies each message into a buffer of the file's size and checks the SHA-256 over it at the end.
  rawArm(size) {
    const bytes = new Uint8Array(size);
    let received = 0;
    state.done = new Promise((resolve, reject) => {
      state.dc.onmessage = async (e) => {
        if (typeof e.data === 'string') {
          const digest = hex(await crypto.subtle.digest('SHA-256', bytes));
          if (digest === e.data) resolve({ end: now(), size: received });
          else reject(new Error('raw: the SHA-256 does not match'));
          return;
        }
        bytes.set(new Uint8Array(e.data), received);
        received += e.data.byteLength;
      };
    });
  },
  /** `withDigest` false: the bytes alone, for a receiver that only counts them (rawArmCount). */
  async rawSend(withDigest = true) {
    const { dc, blob } = state;
    const start = now();
    const digest = withDigest ? blob.arrayBuffer().then((bytes) => crypto.subtle.digest('SHA-256', bytes)) : null;
    dc.bufferedAmountLowThreshold = HIGH_WATER / 2;
    const drain = async () => {
      if (dc.bufferedAmount > HIGH_WATER)
        await new Promise((resolve) => dc.addEventListener('bufferedamountlow', resolve, { once: true }));
    };
    const reader = blob.stream().getReader();
    const frame = new Uint8Array(CHUNK);
    let used = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (let from = 0; from < value.length; ) {
        const count = Math.min(CHUNK - used, value.length - from);
        frame.set(value.subarray(from, from + count), used);
        used += count;
        from += count;
        if (used === CHUNK) {
          await drain();
          dc.send(frame);
          used = 0;
        }
      }
    }
    await drain();
    if (used > 0) dc.send(frame.subarray(0, used));
    if (digest) dc.send(hex(await digest));
    return start;
  },
  /** A receiver that keeps nothing: the memory floor of receiving over a data channel at all. */
  rawArmCount(size) {
    let received = 0;
    state.done = new Promise((resolve) => {
      state.dc.onmessage = (e) => {
        received += e.data.byteLength;
        if (received >= size) resolve({ end: now(), size: received });
      };
    });
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

  // ---- chat flood --------------------------------------------------------------------------
  /** A <rtc-chat> in `room` (with `maxRate` if given) that counts the messages it gets and the longest task. */
  chatJoin(room, maxRate) {
    const chat = document.createElement('rtc-chat');
    chat.setAttribute('room', room);
    chat.setAttribute('signaling', config.signaling);
    if (typeof maxRate === 'number') chat.maxRate = maxRate; // puppeteer passes an undefined argument as null
    state.chat = chat;
    state.chatMessages = 0;
    chat.addEventListener('rtc-message', () => state.chatMessages++);
    const open = new Promise((resolve) => chat.addEventListener('rtc-open', resolve, { once: true }));
    document.body.append(chat);
    return open.then(() => true);
  },
  chatArm() {
    state.longest = 0;
    state.observer?.disconnect();
    state.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) state.longest = Math.max(state.longest, entry.duration);
    });
    state.observer.observe({ type: 'longtask' });
    state.chatMessages = 0;
  },
  /** Once `count` messages have arrived (and a moment after, for the last long task to be reported). */
  async chatDone(count) {
    while (state.chatMessages < count) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { longest: state.longest, items: state.chat.shadowRoot.querySelectorAll('li').length };
  },
  /** The flooding peer: an <rtc-datachannel> on the chat's label. */
  floodJoin(room) {
    const el = document.createElement('rtc-datachannel');
    el.setAttribute('room', room);
    el.setAttribute('label', 'rtc-chat');
    el.setAttribute('signaling', config.signaling);
    state.flooder = el;
    const open = new Promise((resolve) => el.addEventListener('rtc-open', resolve, { once: true }));
    document.body.append(el);
    return open.then(() => true);
  },
  flood(count) {
    for (let index = 0; index < count; index++)
      state.flooder.sendJSON({ t: 'msg', text: `flood ${index}`, name: 'Mallory', ts: Date.now() });
  },
  leaveAll() {
    state.chat?.remove();
    state.flooder?.remove();
    state.el?.remove();
  },
};
window.benchReady = true;
