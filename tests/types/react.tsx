/**
 * A React 19 app using the JSX types, set up as the README says: correct uses compile, and mistakes
 * do not (each `@ts-expect-error` fails the check when the line below it compiles).
 */
import type { CustomElements } from 'rtc-elements/jsx';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements extends CustomElements {}
  }
}

export function PhotoForm() {
  return (
    <form>
      <rtc-camera
        name="photo"
        required
        audio="false"
        facing="environment"
        controls="start snapshot"
        snapshot-type="image/jpeg"
        snapshot-quality={0.85}
        onrtc-snapshot={(event) => console.log(event.detail.blob.size, event.detail.width)}
        onrtc-media-error={(event) => console.warn(event.detail.code, event.detail.hint)}
      />
    </form>
  );
}

export function Room({ room }: { room: string }) {
  return (
    <>
      <rtc-datachannel
        room={room}
        max-file-size={1 << 20}
        onrtc-message={(event) => console.log(event.detail.from, event.detail.type)}
        onrtc-transfer-progress={(event) => console.log(event.detail.loaded / event.detail.total)}
      />
      <rtc-chat room={room} name="Ada" max-length={500} onrtc-file={(event) => console.log(event.detail.file.name)} />
    </>
  );
}

export function Mistakes() {
  return (
    <>
      {/* @ts-expect-error: a misspelt attribute */}
      <rtc-camera autostrat />
      {/* @ts-expect-error: a value the attribute does not take */}
      <rtc-camera facing="front" />
      {/* @ts-expect-error: a number attribute given a word */}
      <rtc-datachannel room="r" max-message-size="large" />
      {/* @ts-expect-error: a field the event's detail does not have */}
      <rtc-camera onrtc-snapshot={(event) => event.detail.size} />
      {/* @ts-expect-error: a read-only property is not a prop */}
      <rtc-camera stream={null} />
    </>
  );
}

/**
 * TypeScript checks no JSX attribute whose name has a dash against the element's props (that is how
 * `data-*` and `aria-*` work), so a misspelt `camera-id` in JSX compiles. The types do know the name:
 * props written as an object are checked.
 */
export const cameraProps: CustomElements['rtc-camera'] = {
  'camera-id': 'abc',
  // @ts-expect-error: a misspelt dashed attribute, caught in an object
  'camra-id': 'abc',
};
