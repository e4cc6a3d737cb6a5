// <rtc-doctor>'s checks against real parts: the test relays, a real coturn (Debian's: UDP, TCP and
// TLS) taking the relay's TURN credentials, a real nginx that breaks WebSocket upgrades, the fake
// camera and microphone, real peer connections. Where a browser state cannot be made for real here
// (a refused camera permission, no devices), the browser API is replaced, and the test says so.
import { expect } from '@open-wc/testing';
import type { DoctorCheckResult } from '../../components/rtc-doctor.js';
import { turnTargets } from '../../components/internal/doctor/ice.js';
import { groupsOf } from '../../components/internal/doctor/report.js';
import { relayStats, signToken, startCoturn, startNginx, startRelay, stopNginx, uniqueName, until } from './helpers.js';
import {
  TURN_SECRET,
  captured,
  connections,
  doctor,
  lineOf,
  linesOf,
  realEnumerateDevices,
  runToEnd,
  verdicts,
} from './doctor-harness.js';

/** A coturn taking credentials of TURN_SECRET over UDP, TCP and TLS, started once for the file. */
let coturnUrls: Promise<string[]> | undefined;
function coturn(): Promise<string[]> {
  coturnUrls ??= startCoturn(TURN_SECRET, { tls: true });
  return coturnUrls;
}

/**
 * Firefox differs from Chromium in three ways these tests meet: it has no permissions policy to
 * read, it refuses a TURN URL on a system port outright (Chromium skips it silently), and the test
 * cannot make it accept the TLS certificate of the test coturn (Chromium takes it by its public
 * key), so TURN over TLS fails there as any refused certificate would.
 */
const firefox = navigator.userAgent.includes('Firefox/');
const readablePolicy = 'permissionsPolicy' in document || 'featurePolicy' in document;
/** What the TURN-over-TLS line says where the test certificate is not accepted, and where it is. */
const tlsLine = (passing: string) => (firefox ? 'turn: fail turn-failed' : passing);

/** A TURN username in coturn's REST scheme, valid for an hour. */
const freshUsername = () => `${Math.floor(Date.now() / 1000) + 3600}:doctor-test`;

const media = navigator.mediaDevices;
const wrappedGetUserMedia = media.getUserMedia;
afterEach(() => {
  media.getUserMedia = wrappedGetUserMedia;
  media.enumerateDevices = realEnumerateDevices;
});

describe('<rtc-doctor> checks', () => {
  it('against a relay handing out TURN credentials for UDP, TCP and TLS, every check passes, with one rtc-doctor-check each', async () => {
    const turnUrls = await coturn();
    const relay = uniqueName('relay');
    const signaling = await startRelay(relay, { turnSecret: TURN_SECRET, turnUrls });
    const el = await doctor({ signaling });
    const checked: DoctorCheckResult[] = [];
    const report = await runToEnd(el, checked);

    expect(verdicts(report)).to.deep.equal([
      'secure-context: pass secure',
      `permissions-policy: pass ${readablePolicy ? 'policy-allowed' : 'policy-top-level'}`,
      'camera: pass camera-ok',
      'microphone: pass microphone-ok',
      'relay-websocket: pass relay-ok',
      'relay-sse: pass relay-ok',
      'ice-host: pass host-ok',
      // On loopback the TURN server sees the host address itself, so there is no srflx candidate.
      'ice-srflx: pass no-nat',
      'turn: pass turn-ok',
      'turn: pass turn-ok',
      tlsLine('turn: pass turn-ok'),
      'datachannel: pass datachannel-turn',
    ]);
    expect(linesOf(report, 'turn').map((line) => line.title)).to.deep.equal(
      turnUrls.map(
        (url, index) => `TURN over ${['UDP', 'TCP', 'TLS'][index]}: ${url.replace(/^turns?:/, '').split('?')[0]}`,
      ),
    );
    expect(linesOf(report, 'turn').map((line) => line.target)).to.deep.equal(turnUrls);
    const websocket = lineOf(report, 'relay-websocket');
    expect(websocket.values.rttMs).to.be.a('number');
    expect(websocket.summary).to.match(/^Joined in [\d.]+ ms, round trip [\d.]+ ms\.$/);
    const channel = lineOf(report, 'datachannel');
    expect(channel.values.route).to.equal('turn');
    expect(channel.values.mbps).to.be.greaterThan(0);
    expect(lineOf(report, 'camera').summary).to.match(/, 640×480\.$/);

    // One event per line, each with its words; the report is the element's, JSON as it is.
    const key = (line: DoctorCheckResult) => `${line.check} ${line.target ?? ''}`;
    expect(checked.map(key).sort()).to.deep.equal(report.checks.map(key).sort());
    expect(checked.every((line) => line.title && line.summary)).to.equal(true);
    expect(el.report).to.deep.equal(report);
    expect(JSON.parse(JSON.stringify(report))).to.deep.equal(report);
    expect(report.done).to.equal(true);
    expect(report.counts).to.deep.equal(firefox ? { pass: 11, warn: 0, fail: 1 } : { pass: 12, warn: 0, fail: 0 });
    expect(report.signaling).to.equal(signaling);

    // Nothing stays open: the camera light goes off, every connection and relay session goes.
    expect(captured.length).to.be.greaterThan(0);
    expect(captured.every((track) => track.readyState === 'ended')).to.equal(true);
    expect(connections.every((pc) => pc.signalingState === 'closed')).to.equal(true);
    await until(async () => (await relayStats(relay))?.connections === 0, 'the relay sessions gone');
  });

  it('behind an nginx that drops WebSocket upgrades, the WebSocket check fails with its hint while SSE passes', async () => {
    const relay = uniqueName('relay');
    await startRelay(relay);
    const nginx = await startNginx('naive');
    try {
      const el = await doctor({ signaling: `${nginx}/relays/${relay}/signal`, checks: 'relay' });
      const report = await runToEnd(el);
      expect(verdicts(report)).to.deep.equal(['relay-websocket: fail websocket-blocked', 'relay-sse: pass relay-ok']);
      const websocket = lineOf(report, 'relay-websocket');
      expect(websocket.summary).to.equal('No connection over WebSocket.');
      expect(websocket.hint).to.match(/does not pass WebSocket upgrades.*use SSE by themselves/);
    } finally {
      await stopNginx(nginx);
    }
  });

  it('with a TURN secret coturn does not share, each TURN check fails naming the credentials, and the data channel goes direct', async () => {
    const turnUrls = await coturn();
    const signaling = await startRelay(uniqueName('relay'), { turnSecret: 'not the secret coturn has', turnUrls });
    const el = await doctor({ signaling, checks: 'relay network' });
    const report = await runToEnd(el);
    expect(verdicts(report)).to.deep.equal([
      'relay-websocket: pass relay-ok',
      'relay-sse: pass relay-ok',
      'ice-host: pass host-ok',
      // coturn answered over UDP (with 401): it was reached, and saw this device's own address.
      'ice-srflx: pass no-nat',
      'turn: fail turn-credentials',
      'turn: fail turn-credentials',
      tlsLine('turn: fail turn-credentials'),
      'datachannel: pass datachannel-direct',
    ]);
    for (const line of linesOf(report, 'turn').slice(0, firefox ? 2 : 3)) {
      expect(line.values.errorCode).to.equal(401);
      expect(line.summary).to.equal('The TURN server refused the credentials (error 401).');
      expect(line.hint).to.match(/--turn-secret must be the TURN server’s static-auth-secret/);
    }
  });

  it('TURN servers given in ice-servers: a wrong password fails as refused credentials (401), a closed port as unreachable (701)', async () => {
    const [udp] = await coturn();
    const username = freshUsername();
    const el = await doctor({
      checks: 'network',
      iceServers: [
        { urls: udp!, username, credential: 'not the password' },
        // IANA reserves port 1024: nothing listens there.
        { urls: 'turn:127.0.0.1:1024?transport=tcp', username, credential: 'anything' },
      ],
    });
    const report = await runToEnd(el);
    expect(verdicts(report)).to.deep.equal([
      'ice-host: pass host-ok',
      'ice-srflx: pass no-nat',
      'turn: fail turn-credentials',
      'turn: fail turn-unreachable',
      'datachannel: pass datachannel-direct',
    ]);
    const [, closed] = linesOf(report, 'turn');
    expect(closed!.values).to.include({ errorCode: 701, transport: 'TCP', server: '127.0.0.1:1024' });
    expect(closed!.hint).to.match(/firewall blocks this port or transport/);
  });

  it('a TURN URL on a system port fails saying so: Chromium skips it, Firefox refuses the configuration', async () => {
    const el = await doctor({
      checks: 'network',
      iceServers: [{ urls: 'turn:127.0.0.1:9?transport=tcp', username: freshUsername(), credential: 'anything' }],
    });
    const report = await runToEnd(el);
    if (firefox) {
      expect(verdicts(report)).to.include('turn: fail ice-servers-refused');
      return expect(lineOf(report, 'turn').summary).to.match(/uses a port that is blocked/);
    }
    expect(verdicts(report)).to.include('turn: fail turn-port-blocked');
    expect(lineOf(report, 'turn').summary).to.equal('This browser does not use TURN on port 9.');
    expect(lineOf(report, 'turn').hint).to.match(/ports below 1024 other than 53, 80 and 443/);
  });

  it('ICE servers the browser refuses fail every network line with its reason, and nothing else', async () => {
    // A TURN URL without credentials: RTCPeerConnection refuses the whole configuration.
    const el = await doctor({ checks: 'network', iceServers: [{ urls: 'turn:127.0.0.1:3478' }] });
    const report = await runToEnd(el);
    expect(verdicts(report)).to.deep.equal([
      'ice-host: fail ice-servers-refused',
      'ice-srflx: fail ice-servers-refused',
      'turn: fail ice-servers-refused',
      'datachannel: fail ice-servers-refused',
    ]);
    expect(lineOf(report, 'ice-host').summary).to.match(/^This browser refuses the ICE servers: \w+Error: /);
  });

  it('a relay without ICE servers: the public address and TURN lines warn that none is configured; the data channel works directly', async () => {
    const signaling = await startRelay(uniqueName('relay'));
    const el = await doctor({ signaling, checks: 'relay network' });
    const report = await runToEnd(el);
    expect(verdicts(report)).to.deep.equal([
      'relay-websocket: pass relay-ok',
      'relay-sse: pass relay-ok',
      'ice-host: pass host-ok',
      'ice-srflx: warn no-stun',
      'turn: warn turn-none',
      'datachannel: pass datachannel-direct',
    ]);
    expect(lineOf(report, 'turn').hint).to.match(/--turn-secret, --turn-urls/);
    expect(report.counts).to.deep.equal({ pass: 4, warn: 2, fail: 0 });
  });

  it('a relay that is not there: both transports fail as unreachable, and the ICE servers are unknown', async () => {
    const signaling = new URL(`/relays/${uniqueName('nowhere')}/signal`, location.href).href;
    const el = await doctor({ signaling, checks: 'relay network' });
    const report = await runToEnd(el);
    expect(verdicts(report)).to.deep.equal([
      'relay-websocket: fail relay-unreachable',
      'relay-sse: fail relay-unreachable',
      'ice-host: pass host-ok',
      'ice-srflx: warn servers-unknown',
      'turn: warn servers-unknown',
      'datachannel: pass datachannel-direct',
    ]);
    expect(lineOf(report, 'relay-sse').summary).to.equal(
      `The relay at ${signaling.replace('http', 'ws')} cannot be reached.`,
    );
  });

  it('a relay that requires join tokens refuses a check without one with its own code and hint, and admits one with a token for doctor-* rooms', async () => {
    const tokenSecret = 'a token secret of at least thirty-two characters';
    const signaling = await startRelay(uniqueName('relay'), { tokenSecret });
    const refused = await runToEnd(await doctor({ signaling, checks: 'relay' }));
    expect(verdicts(refused)).to.deep.equal(['relay-websocket: fail token-required', 'relay-sse: fail token-required']);
    // The relay's own words (its message and hint), as it sent them.
    expect(lineOf(refused, 'relay-sse').hint).to.not.equal('');

    const token = await signToken({ room: 'doctor-*' }, tokenSecret);
    const admitted = await runToEnd(await doctor({ signaling, checks: 'relay', token }));
    expect(verdicts(admitted)).to.deep.equal(['relay-websocket: pass relay-ok', 'relay-sse: pass relay-ok']);
  });

  it('a refused camera and microphone fail with hints; the checks do not ask again for what the browser already refused', async () => {
    // The fake-UI flag grants every permission: a refusal is made by replacing getUserMedia.
    let asked = 0;
    media.getUserMedia = () => {
      asked++;
      return Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    };
    const report = await runToEnd(await doctor({ checks: 'camera microphone' }));
    expect(verdicts(report)).to.deep.equal(['camera: fail camera-blocked', 'microphone: fail microphone-blocked']);
    expect(lineOf(report, 'microphone').hint).to.equal(
      'Allow it in the address bar or the site settings, then run the checks again.',
    );
    // Both at once, then each alone to tell which one is at fault.
    expect(asked).to.equal(3);
  });

  it('without a camera the camera fails as missing and the microphone still passes', async () => {
    // The fake devices are always there: their absence is made by replacing enumerateDevices.
    media.enumerateDevices = async () =>
      (await realEnumerateDevices()).filter((device) => device.kind !== 'videoinput');
    const report = await runToEnd(await doctor({ checks: 'camera microphone' }));
    expect(verdicts(report)).to.deep.equal(['camera: fail camera-none', 'microphone: pass microphone-ok']);
    expect(captured.filter((track) => track.kind === 'video' && track.readyState === 'live')).to.deep.equal([]);
  });

  it('in a frame that does not allow the camera and microphone, the permissions policy fails naming them', async () => {
    const frame = document.createElement('iframe');
    frame.allow = "camera 'none'; microphone 'none'";
    frame.srcdoc = `<script type="module" src="${new URL('../../components/rtc-doctor.ts', import.meta.url).pathname}"></script><rtc-doctor checks="environment"></rtc-doctor>`;
    document.body.append(frame);
    try {
      const inner = await until(
        () =>
          frame.contentWindow?.customElements?.get('rtc-doctor') && frame.contentDocument!.querySelector('rtc-doctor'),
        'the element defined in the frame',
      );
      const report = await inner.run();
      const policy = lineOf(report, 'permissions-policy');
      // Firefox exposes no permissions policy to read: there the check can only warn that it cannot tell.
      if (policy.code === 'policy-unknown') return expect(policy.state).to.equal('warn');
      expect(policy).to.include({
        state: 'fail',
        code: 'policy-blocked',
        summary: 'Blocked for this page: camera, microphone.',
      });
      expect(policy.hint).to.contain('<iframe allow="camera; microphone; display-capture">');
    } finally {
      frame.remove();
    }
  });

  it('checks="relay" runs the relay lines only: no camera, no peer connection', async () => {
    const signaling = await startRelay(uniqueName('relay'));
    const capturedBefore = captured.length;
    const connectionsBefore = connections.length;
    const report = await runToEnd(await doctor({ signaling, checks: 'relay' }));
    expect(report.checks.map((line) => line.check)).to.deep.equal(['relay-websocket', 'relay-sse']);
    expect(captured.length).to.equal(capturedBefore);
    expect(connections.length).to.equal(connectionsBefore);
  });

  it('removed from the page mid-run, the element stops at once: every track and connection goes, and no event fires after', async () => {
    // The microphone is listened to for longer than the test lasts; the data channel is measured
    // for a second: the element is removed while both are under way.
    const el = await doctor({ checks: 'microphone network', listenTime: 60_000 });
    const events: string[] = [];
    for (const type of ['rtc-doctor-check', 'rtc-doctor-done']) el.addEventListener(type, () => events.push(type));
    void el.run();
    await until(
      () =>
        el.report?.checks.find((line) => line.check === 'datachannel')?.state === 'running' &&
        connections.some((pc) => pc.connectionState === 'connected') &&
        captured.some((track) => track.readyState === 'live'),
      'the data channel measured, the microphone listened to',
    );
    const fired = events.length;
    el.remove();
    await until(() => captured.every((track) => track.readyState === 'ended'), 'every track stopped');
    await until(() => connections.every((pc) => pc.signalingState === 'closed'), 'every connection closed');
    expect(events.length).to.equal(fired);
    expect(events).to.not.include('rtc-doctor-done');
    expect(el.state).to.equal('idle');
  });
});

describe('<rtc-doctor> reading its settings', () => {
  it('each TURN URL is one check over its transport: turn: is UDP unless it says tcp, turns: is TLS; STUN URLs are not TURN', () => {
    const credentials = { username: 'u', credential: 'c' };
    const targets = turnTargets([
      { urls: 'turn:turn.example.org', ...credentials },
      { urls: ['TURN:Turn.Example.org:3478?transport=TCP', 'stun:stun.example.org:3478'], ...credentials },
      { urls: 'turns:turn.example.org:443?transport=tcp', ...credentials },
      { urls: 'turn:[::1]:3478?transport=udp', ...credentials },
    ]);
    expect(targets.map(({ url, server, transport }) => `${transport} ${server} ${url}`)).to.deep.equal([
      'udp turn.example.org turn:turn.example.org',
      'tcp Turn.Example.org:3478 TURN:Turn.Example.org:3478?transport=TCP',
      'tls turn.example.org:443 turns:turn.example.org:443?transport=tcp',
      'udp [::1]:3478 turn:[::1]:3478?transport=udp',
    ]);
    expect(targets.every((target) => target.username === 'u' && target.credential === 'c')).to.equal(true);
  });

  it('ice-servers that are not RTCIceServers give no TURN check and no exception', () => {
    const hostile = [
      { urls: 5 },
      null,
      'turn:a.example.org',
      { urls: ['turn:b.example.org', 7, { toString: () => 'turn:c' }] },
      {},
    ] as unknown as RTCIceServer[];
    expect(turnTargets(hostile).map((target) => target.url)).to.deep.equal(['turn:b.example.org']);
    expect(turnTargets({ urls: 'turn:x' } as unknown as RTCIceServer[])).to.deep.equal([]);
  });

  it('checks names groups by words; unknown words are ignored, and naming none runs all', () => {
    const all = ['environment', 'camera', 'microphone', 'relay', 'network'];
    expect(groupsOf('network  relay')).to.deep.equal(['relay', 'network']);
    expect(groupsOf('relay nonsense')).to.deep.equal(['relay']);
    expect(groupsOf('nonsense')).to.deep.equal(all);
    expect(groupsOf('')).to.deep.equal(all);
    expect(groupsOf(undefined)).to.deep.equal(all);
  });
});
