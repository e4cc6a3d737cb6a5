// Browser tests: real Chromium and Firefox ESR (Debian's), fake camera and microphone, real relays on
// the test server's port (tests/browser/relay-plugin.ts). `npm test` runs this inside a loopback-only
// network namespace where the machine allows it (scripts/test.mjs). Run alone with:
//   node --import tsx node_modules/@web/test-runner/dist/bin.js --config web-test-runner.config.mjs
// RTC_BROWSERS=firefox (or chromium) runs one browser, RTC_BROWSER_TESTS=a.test.ts,b.test.ts some files.
// In a loopback-only namespace of your own, Firefox needs `ip route add default dev lo src 127.0.0.1`.
import { writeFileSync } from 'node:fs';
import { chromeLauncher, puppeteerCore } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { chromiumLaunchOptions, firefoxLaunchOptions, firefoxMockAudioOutput } from './scripts/browsers.mjs';

/**
 * The browsers to run in: $RTC_BROWSERS (a comma-separated list of `chromium`, `firefox`), default
 * both. Firefox is driven by puppeteer-core over WebDriver BiDi, through the same launcher as
 * Chromium (a custom puppeteer with `browser: 'firefox'` is what makes it use BiDi).
 */
function selectedBrowsers() {
  const launchOptions = { chromium: chromiumWithGc, firefox: firefoxWithAudioOutput };
  const names = (process.env.RTC_BROWSERS ?? 'chromium,firefox').split(',').filter(Boolean);
  return names.map((name) => {
    if (!launchOptions[name]) throw new Error(`RTC_BROWSERS: unknown browser "${name}" (chromium, firefox)`);
    const options = launchOptions[name]();
    if (!options) throw new Error(`${name} is not installed (CHROME_PATH / FIREFOX_PATH name its binary)`);
    return chromeLauncher({ launchOptions: options, puppeteer: puppeteerCore });
  });
}

/**
 * Chromium's launch options with `window.gc()` (a test proves stored files go when the page lets go
 * of them), trusting the test TURN server's certificate by its public key and no other.
 */
function chromiumWithGc() {
  const options = chromiumLaunchOptions();
  const args = ['--js-flags=--expose-gc', `--ignore-certificate-errors-spki-list=${turnTlsKey}`];
  return options && { ...options, args: [...options.args, ...args] };
}

/** Firefox's launch options with a mock audio output device, so an AudioContext runs (browsers.mjs says why). */
function firefoxWithAudioOutput() {
  const options = firefoxLaunchOptions();
  return options && { ...options, extraPrefsFirefox: { ...options.extraPrefsFirefox, ...firefoxMockAudioOutput } };
}

/**
 * Writes pass/fail counts for scripts/test.mjs, which prints the combined `N passed, N failed`,
 * and the titles of the skipped tests (each says why, see tests/browser/helpers.ts), by browser.
 */
function countsReporter(file) {
  const count = (suite, totals, browserName) => {
    for (const test of suite?.tests ?? []) {
      if (test.skipped) {
        totals.skipped++;
        totals.skippedTitles.push(`${browserName}: ${test.name}`);
      } else if (test.passed) totals.passed++;
      else totals.failed++;
    }
    for (const child of suite?.suites ?? []) count(child, totals, browserName);
    return totals;
  };
  return {
    onTestRunFinished({ sessions }) {
      const totals = { passed: 0, failed: 0, skipped: 0, skippedTitles: [] };
      for (const session of sessions) {
        count(session.testResults, totals, session.browser.name);
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
  // A soak test (`npm run soak`) repeats its scene for as long as it is asked to.
  testsFinishTimeout: process.env.RTC_SOAK_RUNS ? 3_600_000 : 240_000,
  testFramework: { config: { timeout: 30_000 } },
  // One browser after the other (each with one page at a time): the summary reports both.
  concurrentBrowsers: 1,
  browsers: selectedBrowsers(),
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }),
    // RTC_NO_RELAY=1 runs element tests that need no relay without loading them.
    ...(relays ? [relays] : []),
    // Relays serving the built files on another origin, for the tests of the loader.
    ...(process.env.RTC_NO_RELAY ? [] : [(await import('./tests/browser/build-server-plugin.ts')).buildServerPlugin()]),
    (await import('./tests/browser/memory-plugin.ts')).memoryPlugin(),
    (await import('./tests/browser/werift-plugin.ts')).weriftPlugin(),
    // A relay in the middle, for the tests of verified peers.
    ...(process.env.RTC_NO_RELAY ? [] : [(await import('./tests/browser/mitm-plugin.ts')).mitmPlugin()]),
    // `npm run soak` (scripts/soak.mjs): how many times each soak test repeats its scene.
    {
      name: 'rtc-soak-runs',
      executeCommand: ({ command }) => (command === 'soak-runs' ? Number(process.env.RTC_SOAK_RUNS) : undefined),
    },
  ],
  // Before the runner's own middleware: the relays' SSE requests, and a form submitted in a test,
  // answered with what arrived (tests/browser/upload-echo.ts).
  middleware: [...(relays ? [relays.middleware] : []), (await import('./tests/browser/upload-echo.ts')).uploadEcho],
  reporters: [defaultReporter(), countsReporter(process.env.RTC_WTR_COUNTS)],
};
