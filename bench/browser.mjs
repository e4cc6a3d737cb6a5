// 5-8. In Chromium (puppeteer-core), pages as the peers:
//   datachannel: a 64 MiB sendFile through <rtc-datachannel> (streamed and SHA-256 checked on both
//     sides, stored in the receiver's private file system, until rtc-file) beside a raw
//     RTCDataChannel doing the same job (the Blob streamed into 64 KiB messages, pause above 4 MiB
//     buffered, the SHA-256 checked at the end) and a PeerJS DataConnection (default binary
//     serialization), rounds alternating, medians.
//   filememory: the receiver's renderer memory during a 1 GiB sendFile, sender and receiver in two
//     browsers, against its idle memory.
//   chatflood: 2,000 chat messages sent at once to a <rtc-chat>: its page's longest task (a
//     long-task observer), with the default max-rate and with none.
//   connect: from adding the two elements to the first message received, beside two raw
//     RTCPeerConnections signaled through the bare relay, alternating, median of 20; and the same
//     with a passphrase (verified peers), beside ours without.
// One node HTTP server serves the page, the browser build (the relay's own handler: the page loads
// all.js, every element at once, so no timed step waits for a lazy load) and a PeerJS bundle (esbuild,
// in a temp dir), and carries our relay (/signal) and the bare relay (/bare); PeerServer listens on
// its own port.
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { createBareRelay } from './bare-relay.mjs';
import { median, row, sleep } from './lib.mjs';
import { findChromium } from '../scripts/browsers.mjs';
import { rendererMemory } from '../scripts/renderer-memory.mjs';

const MiB = 1024 * 1024;
const FLAGS = [
  '--no-sandbox',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/**
 * Starts servers and Chromium (`browsers` instances, so that a page's renderer can be measured
 * alone) with two pages in the first; `use(env)` runs with them; everything is closed after.
 */
async function withBrowser(use, { browsers: count = 1 } = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'rtc-bench-'));
  const closers = [];
  try {
    await build({
      entryPoints: ['node_modules/peerjs/dist/bundler.mjs'],
      bundle: true,
      minify: true,
      format: 'esm',
      outfile: join(scratch, 'peerjs.js'),
      logLevel: 'silent',
    });
    const { PeerServer } = await import('peer');
    const peerServer = await new Promise((resolve) =>
      PeerServer({ port: 0, host: '127.0.0.1', path: '/pj', key: 'peerjs' }, resolve),
    );
    closers.push(() => peerServer.close());
    peerServer.closeAllConnections && closers.push(() => peerServer.closeAllConnections());

    // Filled in once the server listens (its port is in the URLs); the handler reads it later.
    const config = {};
    const files = {
      '/': ['bench/pages/bench.html', 'text/html'],
      '/bench.js': ['bench/pages/bench.js', 'text/javascript'],
      '/peerjs.js': [join(scratch, 'peerjs.js'), 'text/javascript'],
    };
    const { createRelay, createHttpHandler } = await import('../dist/relay/index.js');
    const serveBuild = createHttpHandler();
    const server = createServer((req, res) => {
      const path = req.url.split('?')[0];
      if (path === '/config.json')
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(config));
      const file = files[path];
      if (!file) return serveBuild(req, res);
      res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(readFileSync(file[0]));
    });
    const relay = createRelay({ server, logger: false });
    const bare = createBareRelay({ server });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () => relay.close(),
      () => bare.close(),
      () => server.close(),
      () => server.closeAllConnections(),
    );
    const port = server.address().port;
    Object.assign(config, {
      signaling: `ws://127.0.0.1:${port}/signal`,
      bare: `ws://127.0.0.1:${port}/bare`,
      peerHost: '127.0.0.1',
      peerPort: peerServer.address().port,
    });

    const executablePath = findChromium();
    if (!executablePath) throw new Error('Chromium not found (set CHROME_PATH)');
    const browsers = [];
    for (let index = 0; index < count; index++) {
      const browser = await puppeteer.launch({ executablePath, headless: true, args: FLAGS, protocolTimeout: 300_000 });
      closers.push(() => browser.close().catch(() => browser.process()?.kill('SIGKILL')));
      browsers.push(browser);
    }
    const chromium = await browsers[0].version();
    const open = async (browser = browsers[0]) => {
      const page = await browser.newPage();
      page.on('pageerror', (error) => console.error(`   page error: ${error.message}`));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => window.benchReady === true);
      return page;
    };
    const pages = [await open(), await open()];
    return await use({ pages, open, chromium, browsers });
  } finally {
    for (const close of closers.reverse()) {
      try {
        await Promise.race([close(), sleep(3000)]);
      } catch {}
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}

const call = (page, name, ...args) => page.evaluate((n, a) => window.bench[n](...a), name, args);

export async function datachannel({ quick, log }) {
  const size = quick ? 16 * MiB : 64 * MiB;
  const rounds = quick ? 1 : 5;
  return withBrowser(async ({ open, chromium }) => {
    // Each variant gets its own pair of pages, connected once, warmed up with one transfer.
    const variants = {
      ours: {
        join: async ([a, b]) => Promise.all([call(a, 'oursJoin', 'dc-bench'), call(b, 'oursJoin', 'dc-bench')]),
        arm: 'oursArm',
        send: 'oursSend',
      },
      raw: {
        join: async ([a, b]) =>
          Promise.all([call(a, 'rawJoin', 'dc-raw', 'a'), sleep(200).then(() => call(b, 'rawJoin', 'dc-raw', 'b'))]),
        arm: 'rawArm',
        send: 'rawSend',
      },
      peerjs: {
        join: async ([a, b]) =>
          Promise.all([call(b, 'pjJoin', 'pj-b'), sleep(300).then(() => call(a, 'pjJoin', 'pj-a', 'pj-b'))]),
        arm: 'pjArm',
        send: 'pjSend',
      },
    };
    const transfer = async (variant, pages, bytes) => {
      const [sender, receiver] = pages;
      await call(sender, 'prepare', bytes);
      await call(receiver, variant.arm, bytes);
      const start = await call(sender, variant.send);
      const done = await receiver.evaluate(() => window.bench.done());
      if (done.size !== bytes) throw new Error(`received ${done.size} bytes of ${bytes}`);
      return bytes / MiB / ((done.end - start) / 1000);
    };
    for (const [name, variant] of Object.entries(variants)) {
      variant.pages = [await open(), await open()];
      await withTimeout(variant.join(variant.pages), 30_000, `${name}: connecting`);
      await withTimeout(transfer(variant, variant.pages, 8 * MiB), 60_000, `${name}: warm-up transfer`);
      variant.runs = [];
    }
    for (let round = 0; round < rounds; round++) {
      for (const [name, variant] of Object.entries(variants)) {
        const rate = await withTimeout(
          transfer(variant, variant.pages, size),
          90_000,
          `${name}: ${size / MiB} MiB transfer`,
        );
        variant.runs.push(rate);
        log(`round ${round + 1} ${name.padEnd(6)} ${rate.toFixed(1)} MiB/s`);
      }
    }
    const m = Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, median(v.runs)]));
    const figure = `datachannel ${size / MiB} MiB file`;
    return {
      rows: [
        row(figure, 'MiB/s', m.ours, m.raw, 'raw RTCDataChannel, same job', '>= 0.95x', m.ours >= 0.95 * m.raw),
        row(figure, 'MiB/s', m.ours, m.peerjs, 'PeerJS', '> 1.0x', m.ours > m.peerjs),
      ],
      details: {
        chromium,
        size,
        medians: m,
        runs: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, v.runs])),
      },
    };
  });
}

export async function filememory({ quick, log }) {
  const size = quick ? 256 * MiB : 1024 * MiB;
  return withBrowser(
    async ({ open, chromium, browsers }) => {
      // The sender in one browser, the receiver alone in the other: its renderers are the receiver's.
      const receiverMemory = () => rendererMemory(browsers[1].process()?.pid);
      /**
       * The receiver's idle memory, then its peak from the moment `send()` starts until the
       * receiver is done (sampled while the sender runs: a sender that only returns once all is
       * sent, as raw's, must not hide the peak), and the samples (MiB over idle) for the record.
       */
      const measure = async (sender, receiver, arm, send) => {
        // A file on disk, as a person picks one: a 1 GiB Blob built in memory is more than
        // Chromium's blob storage keeps readable here (reading it fails with "network error").
        await call(sender, 'prepareOnDisk', size);
        await sleep(1000);
        const idleSamples = [];
        for (let sample = 0; sample < 5; sample++) {
          idleSamples.push(receiverMemory());
          await sleep(200);
        }
        const idle = median(idleSamples);
        if (Number.isNaN(idle)) throw new Error('renderer memory cannot be read here');
        await arm();
        let peak = idle;
        let finished = false;
        const samples = [];
        const done = receiver.evaluate(() => window.bench.done()).finally(() => (finished = true));
        const sending = send();
        while (!finished) {
          const now = receiverMemory() ?? idle;
          samples.push(Math.round((now - idle) / MiB));
          peak = Math.max(peak, now);
          await sleep(200);
        }
        await sending;
        const result = await done;
        if (result.size !== size) throw new Error(`received ${result.size} bytes of ${size}`);
        return { idle, peak, growth: (peak - idle) / MiB, samples };
      };

      // The floor: a raw RTCDataChannel whose receiver keeps nothing (Chromium's own buffers and
      // the garbage of one new ArrayBuffer per message).
      const rawPages = [await open(browsers[0]), await open(browsers[1])];
      await withTimeout(
        Promise.all([
          call(rawPages[0], 'rawJoin', 'raw-memory', 'a'),
          sleep(200).then(() => call(rawPages[1], 'rawJoin', 'raw-memory', 'b')),
        ]),
        30_000,
        'raw: connecting',
      );
      const raw = await measure(
        rawPages[0],
        rawPages[1],
        () => call(rawPages[1], 'rawArmCount', size),
        () => call(rawPages[0], 'rawSend', false),
      );
      log(`raw, keeping nothing: idle ${(raw.idle / MiB).toFixed(0)} MiB, +${raw.growth.toFixed(1)} MiB at the peak`);
      for (const page of rawPages) await page.close();

      const [sender, receiver] = [await open(browsers[0]), await open(browsers[1])];
      await withTimeout(
        Promise.all([call(sender, 'oursJoin', 'file-memory'), call(receiver, 'oursJoin', 'file-memory')]),
        30_000,
        'ours: connecting',
      );
      const started = Date.now();
      const ours = await measure(
        sender,
        receiver,
        () => call(receiver, 'oursArm'),
        () => call(sender, 'oursSend'),
      );
      const seconds = (Date.now() - started) / 1000;
      log(
        `ours: idle ${(ours.idle / MiB).toFixed(0)} MiB, +${ours.growth.toFixed(1)} MiB at the peak, ${seconds.toFixed(0)} s`,
      );
      return {
        rows: [
          row(
            `receiver's peak memory over idle, ${size / MiB} MiB file`,
            'MiB',
            ours.growth,
            raw.growth,
            'raw RTCDataChannel keeping nothing',
            '<= 64 MiB',
            ours.growth <= 64,
          ),
        ],
        details: { chromium, size, ours, raw, seconds },
      };
    },
    { browsers: 2 },
  );
}

export async function chatflood({ quick, log }) {
  const count = 2000;
  return withBrowser(async ({ open, chromium }) => {
    const rows = [];
    const details = { chromium, count };
    for (const [name, maxRate] of [
      ['default max-rate', undefined],
      ['no max-rate', 1e6],
    ]) {
      const receiver = await open();
      const sender = await open();
      const room = `flood-${rows.length}`;
      await withTimeout(
        Promise.all([call(receiver, 'chatJoin', room, maxRate), call(sender, 'floodJoin', room)]),
        30_000,
        'connecting',
      );
      await call(receiver, 'chatArm');
      await call(sender, 'flood', count);
      const { longest, items } = await withTimeout(
        receiver.evaluate((n) => window.bench.chatDone(n), count),
        quick ? 60_000 : 120_000,
        `the flood (${name})`,
      );
      log(`${name}: longest task ${longest.toFixed(0)} ms, ${items} items listed`);
      rows.push(
        row(`chat flood of ${count}, longest task (${name})`, 'ms', longest, null, '-', '<= 200 ms', longest <= 200),
      );
      details[name] = { longest, items };
      await call(receiver, 'leaveAll');
      await call(sender, 'leaveAll');
    }
    return { rows, details };
  });
}

export async function connect({ quick, log }) {
  const samples = quick ? 8 : 20;
  const warmup = 2;
  return withBrowser(async ({ pages: [a, b], chromium }) => {
    const runs = { ours: [], raw: [], passphrase: [] };
    // A sample that never connects (Chromium's ICE gathering stalls now and then on a loaded
    // machine, for either variant) is counted, dropped and taken again, up to 3 times.
    const timeouts = { ours: 0, raw: 0, passphrase: 0 };
    for (let i = 0; i < samples + warmup; i++) {
      for (const kind of ['ours', 'raw', 'passphrase']) {
        const ours = kind !== 'raw';
        const passphrase = kind === 'passphrase' ? 'a passphrase for the bench' : '';
        for (let attempt = 0; ; attempt++) {
          const room = `c-${kind}-${i}-${attempt}`;
          const leave = () =>
            Promise.all([call(a, ours ? 'oursLeave' : 'rawLeave'), call(b, ours ? 'oursLeave' : 'rawLeave')]);
          let results;
          try {
            results = ours
              ? await withTimeout(
                  Promise.all([call(a, 'oursConnect', room, passphrase), call(b, 'oursConnect', room, passphrase)]),
                  20_000,
                  `${kind}: connect ${i}`,
                )
              : await withTimeout(
                  Promise.all([
                    call(a, 'rawConnect', room, `a${i}-${attempt}`),
                    call(b, 'rawConnect', room, `b${i}-${attempt}`),
                  ]),
                  20_000,
                  `raw: connect ${i}`,
                );
          } catch (error) {
            await leave();
            timeouts[kind]++;
            log(`${error.message} (attempt ${attempt + 1} of 3)`);
            if (attempt === 2) throw error;
            continue;
          }
          const ms = Math.min(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.added));
          await leave();
          await sleep(50);
          if (i >= warmup) runs[kind].push(ms);
          break;
        }
      }
    }
    const m = { ours: median(runs.ours), raw: median(runs.raw), passphrase: median(runs.passphrase) };
    log(`ours ${runs.ours.map((v) => v.toFixed(0)).join(' ')} ms`);
    log(`raw  ${runs.raw.map((v) => v.toFixed(0)).join(' ')} ms`);
    log(`with a passphrase ${runs.passphrase.map((v) => v.toFixed(0)).join(' ')} ms`);
    return {
      rows: [
        row(
          `time to connect, median of ${samples}`,
          'ms',
          m.ours,
          m.raw,
          'raw RTCPeerConnection + bare relay',
          'report',
          null,
        ),
        row(
          `time to connect with a passphrase, median of ${samples}`,
          'ms',
          m.passphrase,
          m.ours,
          'ours without a passphrase',
          'report',
          null,
        ),
      ],
      details: { chromium, medians: m, runs, timeouts },
    };
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
