/**
 * A guarded `@customElement`: like Lit's, but a tag that is already defined (the bundle loaded
 * twice, or next to another copy of rtc-elements) is left alone instead of throwing.
 */
export function customElement(tagName: string) {
  return (elementClass: CustomElementConstructor): void => {
    if (!customElements.get(tagName)) customElements.define(tagName, elementClass);
  };
}
