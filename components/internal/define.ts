/**
 * Registers an element like `customElements.define`, but a tag that is already defined (the bundle
 * loaded twice, or next to another copy of rtc-elements) is left alone instead of throwing.
 *
 * A call after the class rather than a `@customElement` decorator: the decorator made the compiler
 * ship its `__decorate` helper (about 150 bytes gzip) for one line per element.
 */
export function define(tagName: string, elementClass: CustomElementConstructor): void {
  if (!customElements.get(tagName)) customElements.define(tagName, elementClass);
}
