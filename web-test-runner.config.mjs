// Browser tests: real Chromium (Debian's), fake camera and microphone, real relays on the test
// server's port (tests/browser/relay-plugin.ts). `npm test` runs this inside a loopback-only network
// namespace where the machine allows it (scripts/test.mjs). Run alone with:
//   node --import tsx node_modules/@web/test-runner/dist/bin.js --config web-test-runner.config.mjs
import { writeFileSync } from 'node:fs';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { findChromium } from './scripts/chromium.mjs';
import { defaultReporter } from '@web/test-runner';

/** Writes pass/fail counts for scripts/test.mjs, which prints the combined `N passed, N failed`. */
function countsReporter(file) {
  const count = (suite, totals) => {
    for (const test of suite?.tests ?? []) {
      if (test.skipped) totals.skipped++;
      else if (test.passed) totals.passed++;
      else totals.failed++;
    }
    for (const child of suite?.suites ?? []) count(child, totals);
    return totals;
  };
  return {
    onTestRunFinished({ sessions }) {
      const totals = { passed: 0, failed: 0, skipped: 0 };
      for (const session of sessions) {
        count(session.testResults, totals);
        // A file that failed to load (syntax error, import error) has errors but no results.
        if (!session.passed && !session.testResults?.tests?.length && !session.testResults?.suites?.length)
          totals.failed++;
      }
      if (file) writeFileSync(file, JSON.stringify(totals));
    },
  };
}

// The public key of the test TURN server's TLS certificate (tests/fixtures/), the one certificate
// Chromium accepts without a CA: `turns:` URLs in the tests reach coturn on loopback.
const turnTlsKey = (await import('./tests/coturn.ts')).tlsPublicKeyHash();

// RTC_NO_RELAY=1 runs element tests that need no relay without loading it.
const relays = process.env.RTC_NO_RELAY ? undefined : (await import('./tests/browser/relay-plugin.ts')).relayPlugin();

export default {
  files: process.env.RTC_BROWSER_TESTS?.split(',') ?? ['tests/browser/**/*.test.ts'],
  nodeResolve: true,
  // One page at a time: the machines have two cores, and WebRTC tests are CPU-heavy.
  concurrency: 1,
  testsFinishTimeout: 240_000,
  testFramework: { config: { timeout: 30_000 } },
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: findChromium(),
        headless: true,
        args: [
          '--no-sandbox', // running as root
          '--use-fake-ui-for-media-stream', // grants camera/mic (and enables ICE gathering on loopback)
          '--use-fake-device-for-media-stream', // a synthetic camera and microphone
          '--allow-loopback-in-peer-connection', // gathers 127.0.0.1 host candidates
          '--disable-features=WebRtcHideLocalIpsWithMdns',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-gpu',
          '--js-flags=--expose-gc', // window.gc(): a test proves stored files go when the page lets go of them
          `--ignore-certificate-errors-spki-list=${turnTlsKey}`, // the test TURN server's certificate, only
        ],
      },
    }),
  ],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }),
    // RTC_NO_RELAY=1 runs element tests that need no relay without loading them.
    ...(relays ? [relays] : []),
    // Relays serving the built files on another origin, for the tests of the loader.
    ...(process.env.RTC_NO_RELAY ? [] : [(await import('./tests/browser/build-server-plugin.ts')).buildServerPlugin()]),
    (await import('./tests/browser/memory-plugin.ts')).memoryPlugin(),
    (await import('./tests/browser/werift-plugin.ts')).weriftPlugin(),
  ],
  // Before the runner's own middleware: the relays' SSE requests.
  middleware: relays ? [relays.middleware] : [],
  reporters: [defaultReporter(), countsReporter(process.env.RTC_WTR_COUNTS)],
};
