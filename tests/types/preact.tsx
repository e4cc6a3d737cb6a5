/** @jsxImportSource preact */
/**
 * A Preact app using the JSX types, set up as the README says: correct uses compile, and mistakes do
 * not (each `@ts-expect-error` fails the check when the line below it compiles).
 */
import type { CustomElements } from 'rtc-elements/jsx';

declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements extends CustomElements {}
  }
}

export function Call() {
  return (
    <>
      <rtc-camera autostart onrtc-camera-start={(event) => console.log(event.detail.stream.id)} />
      <rtc-chat room="standup" onrtc-peer-join={(event) => console.log(event.detail.name)} />
      {/* @ts-expect-error: a misspelt attribute */}
      <rtc-chat rooom="standup" />
      {/* @ts-expect-error: a field the event's detail does not have */}
      <rtc-chat room="standup" onrtc-peer-join={(event) => console.log(event.detail.nick)} />
    </>
  );
}
