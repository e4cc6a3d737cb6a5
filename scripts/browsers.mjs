// The two browsers the tests run in, where to find them and how to launch them for WebRTC tests:
// fake camera and microphone, media permission granted, ICE candidates on 127.0.0.1. Shared by
// web-test-runner.config.mjs, the cross-browser tests (tests/cross) and the bench.
import { existsSync } from 'node:fs';

/** Debian's Chromium (the binary behind its wrapper script first: the wrapper prints a harmless shell warning on every start). */
export const chromiumCandidates = [
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

/** Debian's Firefox ESR first: the release the tests are known to pass in. */
export const firefoxCandidates = ['/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox'];

/** Where Chromium is: $CHROME_PATH, else a known install, else undefined. */
export function findChromium() {
  if (process.env.CHROME_PATH) return process.env.CHROME_PATH;
  return chromiumCandidates.find((path) => existsSync(path));
}

/** Where Firefox is: $FIREFOX_PATH, else a known install, else undefined. */
export function findFirefox() {
  if (process.env.FIREFOX_PATH) return process.env.FIREFOX_PATH;
  return firefoxCandidates.find((path) => existsSync(path));
}

/** Chromium's flags for WebRTC tests (each one found needed by dropping it in turn). */
export const chromiumArgs = [
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
];

/**
 * Firefox's preferences for the same. Firefox also needs a default route to gather any candidate:
 * scripts/test.mjs adds one that stays on loopback inside its network namespace.
 */
export const firefoxPrefs = {
  'media.navigator.streams.fake': true, // a synthetic camera and microphone
  'media.navigator.permission.disabled': true, // grants camera/mic without a prompt
  'media.autoplay.default': 0, // allows playing audible media without a user gesture
  'media.peerconnection.ice.loopback': true, // gathers 127.0.0.1 host candidates
  'media.peerconnection.ice.obfuscate_host_addresses': false, // no mDNS names for them
};

/**
 * A mock audio output device for Firefox, as headless Chromium has a fake one: on a machine without
 * a sound card an AudioContext never leaves `suspended`, so the call's microphone meter and speaking
 * rings read 0. The browser suite adds it (web-test-runner.config.mjs). The cross-browser tests do
 * not: they measure received sound as it is played out, and the mock device plays out irregularly
 * (a muted peer's sound went on arriving for more than a second, in about one run in four).
 */
export const firefoxMockAudioOutput = { 'media.cubeb.force_mock_context': true };

/** puppeteer-core launch options for headless Chromium, or undefined when it is not installed. */
export function chromiumLaunchOptions() {
  const executablePath = findChromium();
  return executablePath && { browser: 'chrome', executablePath, headless: true, args: chromiumArgs };
}

/** puppeteer-core launch options for headless Firefox (driven over WebDriver BiDi), or undefined. */
export function firefoxLaunchOptions() {
  const executablePath = findFirefox();
  return executablePath && { browser: 'firefox', executablePath, headless: true, extraPrefsFirefox: firefoxPrefs };
}
