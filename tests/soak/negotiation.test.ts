// Soak tests (`npm run soak`, not part of `npm test`): the same few seconds of negotiation, many times
// in a row, to catch what fails once in a hundred runs. Run them with the cores busy as well (two
// `yes > /dev/null &`): the two stalls they found (docs/browsers.md) showed only under load.
//
// Each run records the signals and the connections' states as they happen, in memory (logging to
// the console changes the timing enough to hide a stall), and prints them with the connections'
// ICE and DTLS states for every run that failed.
import { channelIdOf } from '../../components/internal/mesh/framing.js';
import { PeerLink } from '../../components/internal/mesh/peer-link.js';
import type { JsonValue } from '../../components/internal/signaling/signaling-client.js';
import { until } from '../browser/helpers.js';
import { soak } from './soak.js';

type Side = 'a' | 'b';

const describeSignal = (data: JsonValue) => {
  const { description, candidate } = data as {
    description?: RTCSessionDescriptionInit;
    candidate?: RTCIceCandidateInit;
  };
  if (description) return `${description.type} ufrag=${/a=ice-ufrag:(\S+)/.exec(description.sdp ?? '')?.[1]}`;
  return `candidate ufrag=${candidate?.usernameFragment} ${candidate?.candidate?.slice(0, 48) || '(end)'}`;
};

/**
 * Two PeerLinks ('a' impolite, 'b' polite) whose signals are delivered each in a task of its own, as
 * the Room delivers a relay's messages; while `held`, they queue instead.
 */
function linkedPair(note: (text: string) => void) {
  const queues: Record<Side, JsonValue[]> = { a: [], b: [] };
  const state = { held: false };
  const links = {} as Record<Side, PeerLink>;
  const deliver = (to: Side) => {
    if (state.held) return;
    for (const data of queues[to].splice(0))
      setTimeout(() => {
        note(`-> ${to} ${describeSignal(data)} [${links[to].pc.signalingState}]`);
        void links[to].handleSignal(data);
      });
  };
  for (const [me, other] of [
    ['a', 'b'],
    ['b', 'a'],
  ] as const) {
    const link = new PeerLink({
      localId: me,
      remoteId: other,
      signal: (data) => {
        queues[other].push(data);
        deliver(other);
      },
    });
    links[me] = link;
    const pc = link.pc;
    for (const type of [
      'signalingstatechange',
      'iceconnectionstatechange',
      'connectionstatechange',
      'icegatheringstatechange',
    ])
      pc.addEventListener(type, () => note(`${me} ${type}: ${states(pc)}`));
    link.addEventListener('error', (event) => note(`${me} error ${JSON.stringify((event as CustomEvent).detail)}`));
  }
  return {
    links,
    queues,
    hold: () => (state.held = true),
    release: () => {
      state.held = false;
      deliver('a');
      deliver('b');
    },
    close: () => {
      links.a.close();
      links.b.close();
    },
  };
}

const states = (pc: RTCPeerConnection) =>
  `signaling=${pc.signalingState} ice=${pc.iceConnectionState} connection=${pc.connectionState} gathering=${pc.iceGatheringState}`;

/** Both links' states, ICE credentials and transports, for a failed run. */
async function snapshot(links: Record<Side, PeerLink>): Promise<string[]> {
  const lines: string[] = [];
  for (const side of ['a', 'b'] as const) {
    const pc = links[side].pc;
    const ufrag = (description: RTCSessionDescription | null) => /a=ice-ufrag:(\S+)/.exec(description?.sdp ?? '')?.[1];
    lines.push(
      `${side}: ${states(pc)} local ufrag=${ufrag(pc.localDescription)} remote ufrag=${ufrag(pc.remoteDescription)}`,
    );
    (await pc.getStats()).forEach((report: Record<string, unknown>) => {
      if (report.type === 'transport')
        lines.push(`${side} transport: dtls=${report.dtlsState} ice=${report.iceState} role=${report.iceRole}`);
      if (report.type === 'candidate-pair')
        lines.push(`${side} candidate pair: ${report.state} nominated=${report.nominated}`);
    });
  }
  return lines;
}

const channelsOpen = (channels: RTCDataChannel[]) => channels.every((channel) => channel.readyState === 'open');

/** Waits up to 15 s for `ready`; false when it did not come. */
const within15s = (ready: () => boolean, what: string) =>
  until(ready, what).then(
    () => true,
    () => false,
  );

describe('soak: offer collisions between two PeerLinks', function () {
  this.timeout(0);

  it('offers that meet after both gathered (the glare test, held back) open the channel every time', async () => {
    await soak('glare after gathering', async (note) => {
      const { links, queues, release, hold, close } = linkedPair(note);
      hold();
      try {
        const channels = [
          links.a.dataChannel('soak', channelIdOf('soak')),
          links.b.dataChannel('soak', channelIdOf('soak')),
        ];
        const offered = (queue: JsonValue[]) => queue.some((data) => (data as { description?: unknown }).description);
        await until(() => offered(queues.a) && offered(queues.b), 'both offers');
        release();
        if (await within15s(() => channelsOpen(channels), 'the channel open')) return undefined;
        return await snapshot(links);
      } finally {
        close();
      }
    });
  });

  it('offers made at the same moment while signals flow open the channel every time (Chromium: see docs/browsers.md)', async () => {
    await soak('offers at once', async (note) => {
      const { links, close } = linkedPair(note);
      try {
        const channels = [
          links.a.dataChannel('soak', channelIdOf('soak')),
          links.b.dataChannel('soak', channelIdOf('soak')),
        ];
        if (await within15s(() => channelsOpen(channels), 'the channel open')) return undefined;
        return await snapshot(links);
      } finally {
        close();
      }
    });
  });
});
