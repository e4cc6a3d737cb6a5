/**
 * One run of <rtc-doctor>'s checks: what runs when, and what each line ends up saying. Imported
 * when a run starts, so a page with the element downloads none of this (nor the signaling client
 * and capture code it uses) until someone asks for a check.
 *
 * The environment comes first (instantly). The camera and microphone run beside everything else:
 * a permission prompt holds up nothing, and the microphone's meter moves while the network is
 * checked. The relay over WebSocket and over SSE are checked together (each line's verdict depends
 * on the other's), and the relay hands out the ICE servers the network checks use: candidates
 * gathered, one TURN allocation per TURN URL, then a data channel through TURN when one works.
 *
 * It never touches the DOM: it fills in the entries (doctor/report.ts) and says when they change;
 * the DoctorController holds the run and the element shows it.
 */
import { AudioLevel } from '../media/audio-level.js';
import { defaultSignalingUrl, toWebSocketUrl } from '../signaling/signaling-client.js';
import { cameraOutcome, listen, openDevices, type DeviceKind } from './devices.js';
import { checkPermissionsPolicy, checkSecureContext } from './environment.js';
import {
  checkTurn,
  gather,
  localNetworkOutcome,
  publicAddressOutcome,
  turnServerAnswered,
  turnTargets,
  type TurnTarget,
} from './ice.js';
import { checkDataChannel } from './loopback.js';
import { deadline, fail, pause, warn, type Outcome } from './outcome.js';
import { probeRelay, relayOutcome, type RelaySettings } from './relay.js';
import {
  DoctorChecks,
  plannedChecks,
  type DoctorCheckEntry,
  type DoctorCheckName,
  type DoctorGroup,
} from './report.js';

export interface DoctorSettings extends RelaySettings {
  /** The groups of checks to run. */
  groups: readonly DoctorGroup[];
  /** ICE servers instead of the relay's (none: the relay's, from its `welcome`). */
  iceServers: RTCIceServer[] | undefined;
  /** ms the microphone is listened to for a sound. */
  listenTime: number;
}

/** What a run tells its owner. */
export interface DoctorRunEvents {
  /** The entries changed: one was added, started or finished, or the microphone came on or off. */
  changed(): void;
  /** `entry` finished. */
  finished(entry: DoctorCheckEntry): void;
}

export class DoctorRun {
  /** The checks in the order they are listed, filled in as they run. */
  readonly entries: DoctorCheckEntry[];
  /** The relay's signaling URL, as resolved. */
  signaling: string;

  readonly #settings: DoctorSettings;
  readonly #events: DoctorRunEvents;
  readonly #signal: AbortSignal;
  /** The tracks opened, stopped when the run ends. */
  readonly #tracks: MediaStreamTrack[] = [];
  #level: AudioLevel | undefined;
  /** Resolves once the microphone has been listened to for `listenTime`: the meter's time on screen. */
  #listening: Promise<void> | undefined;

  /** A run of `settings`' checks; `signal` stops it (every track, connection and socket it opened goes). */
  constructor(settings: DoctorSettings, events: DoctorRunEvents, signal: AbortSignal) {
    this.#settings = settings;
    this.#events = events;
    this.#signal = signal;
    this.entries = plannedChecks(settings.groups);
    this.signaling = resolvedSignaling(settings.signaling);
  }

  /** The microphone's level (0 to 1) while it is listened to; undefined when it is not. */
  get level(): number | undefined {
    return this.#level?.read();
  }

  /** Runs every check; rejects with the signal's reason when stopped. */
  async run(): Promise<void> {
    try {
      await this.#check(DoctorChecks.SecureContext, checkSecureContext);
      await this.#check(DoctorChecks.PermissionsPolicy, checkPermissionsPolicy);
      await Promise.all([this.#devices(), this.#relay().then((servers) => this.#network(servers))]);
      await this.#listening;
    } finally {
      for (const track of this.#tracks) track.stop();
      this.#level?.close();
      this.#level = undefined;
      this.#events.changed();
    }
  }

  /** The camera and the microphone, opened together; the microphone then listens for a sound. */
  async #devices(): Promise<void> {
    const devices = (['camera', 'microphone'] as const).filter((device) => this.#entry(device));
    if (devices.length === 0) return;
    const opening = openDevices(devices, this.#signal);
    const opened = (device: DeviceKind) =>
      opening.then((found) => {
        const track = found.get(device)!;
        if (track instanceof MediaStreamTrack) this.#tracks.push(track);
        return track;
      });
    await Promise.all([
      this.#check(DoctorChecks.Camera, async () => {
        const track = await opened('camera');
        return track instanceof MediaStreamTrack ? cameraOutcome(track) : track;
      }),
      this.#check(DoctorChecks.Microphone, async () => {
        const track = await opened('microphone');
        return track instanceof MediaStreamTrack ? this.#listen(track) : track;
      }),
    ]);
  }

  /**
   * Listens to the microphone until it hears something. Its level stays readable (the element's
   * meter) for `listenTime` at least, and until the run ends: long enough for a person to speak
   * and see the meter move, even when the check itself is over at the first sound.
   */
  #listen(track: MediaStreamTrack): Promise<Outcome> {
    const { listenTime } = this.#settings;
    this.#level = new AudioLevel(new MediaStream([track]));
    // Stopped, the run ends at once anyway: nothing to wait for.
    this.#listening = pause(listenTime, this.#signal).catch(() => {});
    this.#events.changed();
    return listen(track, this.#level, listenTime, this.#signal);
  }

  /**
   * The relay over WebSocket and over SSE, at once. Resolves with the ICE servers the network
   * checks use: `iceServers` when set, else the relay's (undefined when it was not reached).
   */
  async #relay(): Promise<RTCIceServer[] | undefined> {
    const settings = this.#settings;
    if (!this.#entry(DoctorChecks.RelayWebSocket)) return settings.iceServers;
    const probes = Promise.all([
      probeRelay(settings, 'websocket', this.#signal),
      probeRelay(settings, 'sse', this.#signal),
    ]);
    await Promise.all([
      this.#check(DoctorChecks.RelayWebSocket, async () => {
        const [websocket, sse] = await probes;
        return relayOutcome(websocket, sse);
      }),
      this.#check(DoctorChecks.RelaySse, async () => {
        const [websocket, sse] = await probes;
        return relayOutcome(sse, websocket);
      }),
    ]);
    const [websocket, sse] = await probes;
    this.signaling = websocket.url;
    const joined = [websocket, sse].find((probe) => probe.joined);
    return settings.iceServers ?? (joined?.joined ? joined.iceServers : undefined);
  }

  /**
   * Candidates gathered with every ICE server, one allocation per TURN URL (all at once), then a
   * data channel through the TURN servers that worked. `servers` undefined: not known.
   */
  async #network(servers: RTCIceServer[] | undefined): Promise<void> {
    if (!this.#entry(DoctorChecks.LocalNetwork)) return;
    const networkChecks = [
      DoctorChecks.LocalNetwork,
      DoctorChecks.PublicAddress,
      DoctorChecks.Turn,
      DoctorChecks.DataChannel,
    ];
    const list = servers ?? [];
    const refusal = configurationProblem(list);
    if (refusal) {
      await Promise.all(networkChecks.map((check) => this.#check(check, () => refusal)));
      return;
    }
    const { timeout } = this.#settings;
    const turns = this.#turnEntries(servers);
    const gathering = gather({ iceServers: list }, deadline(this.#signal, timeout));
    const allocations = turns.map(({ entry, target }) =>
      this.#checkEntry(entry, () => checkTurn(target, timeout, this.#signal)),
    );
    await Promise.all([
      this.#check(DoctorChecks.LocalNetwork, async () => localNetworkOutcome(await gathering)),
      this.#check(DoctorChecks.PublicAddress, async () => {
        const gathered = await gathering;
        if (servers === undefined) return warn('servers-unknown');
        await Promise.all(allocations);
        const answeredOverUdp = turns.some(
          ({ entry, target }) => target.transport === 'udp' && turnServerAnswered(entry),
        );
        return publicAddressOutcome(list, gathered, answeredOverUdp);
      }),
      ...allocations,
    ]);
    const relayed = turns.filter(({ entry }) => entry.state === 'pass').map(({ target }) => target);
    await this.#check(DoctorChecks.DataChannel, () =>
      relayed.length > 0
        ? checkDataChannel(relayed.map(iceServerOf), true, timeout, this.#signal)
        : checkDataChannel(list, false, timeout, this.#signal),
    );
  }

  /**
   * The TURN lines: the one planned becomes one per TURN URL of `servers`, titled while they run;
   * with none (or none known) it says so at once.
   */
  #turnEntries(servers: RTCIceServer[] | undefined): { entry: DoctorCheckEntry; target: TurnTarget }[] {
    const placeholder = this.#entry(DoctorChecks.Turn)!;
    const targets = turnTargets(servers ?? []);
    if (servers === undefined || targets.length === 0) {
      this.#finish(placeholder, warn(servers === undefined ? 'servers-unknown' : 'turn-none'));
      return [];
    }
    const turns = targets.map((target) => {
      const values = { server: target.server, transport: target.transport.toUpperCase() };
      const entry: DoctorCheckEntry = {
        check: DoctorChecks.Turn,
        target: target.url,
        state: 'pending',
        code: '',
        values,
      };
      return { entry, target };
    });
    this.entries.splice(this.entries.indexOf(placeholder), 1, ...turns.map(({ entry }) => entry));
    this.#events.changed();
    return turns;
  }

  /** The entry of `check` (the first, for TURN), if this run has it. */
  #entry(check: DoctorCheckName): DoctorCheckEntry | undefined {
    return this.entries.find((entry) => entry.check === check);
  }

  /** Runs the check `check` when this run has it. */
  #check(check: DoctorCheckName, task: () => Outcome | Promise<Outcome>): Promise<void> {
    const entry = this.#entry(check);
    return entry ? this.#checkEntry(entry, task) : Promise.resolve();
  }

  /** Marks `entry` running, then finished with what `task` found (a check that throws fails with `check-error`). */
  async #checkEntry(entry: DoctorCheckEntry, task: () => Outcome | Promise<Outcome>): Promise<void> {
    entry.state = 'running';
    this.#events.changed();
    let outcome: Outcome;
    try {
      outcome = await task();
    } catch (error) {
      if (this.#signal.aborted) throw error;
      outcome = fail('check-error', { error: String(error) });
    }
    this.#finish(entry, outcome);
  }

  #finish(entry: DoctorCheckEntry, outcome: Outcome): void {
    Object.assign(entry, outcome);
    this.#events.changed();
    this.#events.finished(entry);
  }
}

/**
 * Why no RTCPeerConnection can be made with `iceServers` (no WebRTC here, or servers the browser
 * refuses: a page's malformed `ice-servers`), or undefined when one can.
 */
function configurationProblem(iceServers: RTCIceServer[]): Outcome | undefined {
  if (typeof RTCPeerConnection !== 'function') return fail('no-webrtc');
  try {
    new RTCPeerConnection({ iceServers }).close();
    return undefined;
  } catch (error) {
    return fail('ice-servers-refused', { error: String(error) });
  }
}

/** A TURN URL that worked, as the ICE server to relay through. */
function iceServerOf({ url, username, credential }: TurnTarget): RTCIceServer {
  return { urls: url, username, credential };
}

/** The signaling URL as the client will resolve it (as given when it cannot be: the relay check says why). */
function resolvedSignaling(signaling: string): string {
  try {
    return signaling ? toWebSocketUrl(signaling) : defaultSignalingUrl();
  } catch {
    return signaling;
  }
}
