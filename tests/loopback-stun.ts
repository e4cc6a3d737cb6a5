/**
 * A STUN server on loopback for the tests' werift peers (browser/werift-peer.ts,
 * browser/mitm-plugin.ts). Given no STUN server, werift asks a public one of its own choosing for
 * its server-reflexive candidate (a fallback in werift's ice.js), which breaks the rule that tests
 * reach no public server, and in the tests' loopback-only namespace that lookup fails after 5 s,
 * holding back every werift peer's connectivity checks that long. So each werift peer gets this
 * one: coturn (tests/coturn.ts), which answers STUN binding requests without credentials. Started on
 * first use, once per process; stopped with the test server.
 */
import { randomUUID } from 'node:crypto';
import { startCoturn, type RunningCoturn } from './coturn.js';

let coturn: Promise<RunningCoturn> | undefined;

/** The ICE server entry of the loopback STUN server (started if it is not yet). */
export async function loopbackStun(): Promise<{ urls: string }> {
  coturn ??= startCoturn(randomUUID());
  const { urls } = await coturn;
  // The TURN URLs' port over UDP answers STUN too.
  const port = new URL(urls[0]!.replace(/^turn:/, 'stun://')).port;
  return { urls: `stun:127.0.0.1:${port}` };
}

export async function stopLoopbackStun(): Promise<void> {
  const running = coturn;
  coturn = undefined;
  await (await running)?.stop();
}
