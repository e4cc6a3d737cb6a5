/**
 * Every event the JSX types give an element, typed as the element dispatches it: the detail type its
 * `@fires` tag names (custom-elements.json, the JSX and Vue types, the docs) is the one registered in
 * GlobalEventHandlersEventMap, which is what `addEventListener` sees. An event whose tag names no
 * type (`CustomEvent<never>` here) is tests/gates/manifest.test.ts's to catch.
 */
import type { CustomElements } from 'rtc-elements/jsx';

/** True when A and B are the same type (not merely assignable one way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** The event a handler prop takes. */
type HandlerEvent<Handler> = NonNullable<Handler> extends (event: infer E) => void ? E : never;

/** Why an event of an element is mistyped, by the handler prop's event type. */
type Mistake<Name, Event> =
  Same<Event, CustomEvent<never>> extends true
    ? never
    : Name extends keyof GlobalEventHandlersEventMap
      ? Same<Event, GlobalEventHandlersEventMap[Name]> extends true
        ? never
        : `${Name}: not the type in GlobalEventHandlersEventMap`
      : `${Name & string}: not in GlobalEventHandlersEventMap`;

/** The mistyped events of `Tag` (`never`: none). */
type Mistyped<Tag extends keyof CustomElements> = {
  [Prop in keyof CustomElements[Tag]]-?: Prop extends `on${infer Name}`
    ? Mistake<Name, HandlerEvent<CustomElements[Tag][Prop]>>
    : never;
}[keyof CustomElements[Tag]];

// An error here names the element and the event whose `@fires` type is wrong.
export const everyEventTypedAsDispatched: { [Tag in keyof CustomElements]: never } = {} as {
  [Tag in keyof CustomElements]: Mistyped<Tag>;
};
