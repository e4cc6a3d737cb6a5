import type { ReactiveElement } from 'lit';

/**
 * Registers an element like `customElements.define`, but a tag that is already defined (by another
 * copy of rtc-elements on the page) is left alone instead of throwing.
 *
 * Every attribute is its property's name in dash-case (`cameraOff`: `camera-off`), unless the
 * property's declaration says otherwise (`attribute: false`, or a name): the rule is applied here,
 * once, before the element is defined and Lit reads its `properties`. (Lit's own default is the
 * name in lower case.) custom-elements-manifest.config.mjs applies the same rule to the manifest.
 *
 * A call after the class rather than Lit's `@customElement` decorator, which defines unguarded: two
 * copies of the kit on one page (two relays' scripts, or `all.js` beside another build) would throw,
 * and the attribute rule would have to be repeated in every element.
 */
export function define(
  tagName: string,
  elementClass: CustomElementConstructor & Pick<typeof ReactiveElement, 'properties'>,
): void {
  for (const [name, declaration] of Object.entries(elementClass.properties)) {
    (declaration as { attribute?: boolean | string }).attribute ??= name.replace(
      /[A-Z]/g,
      (letter) => `-${letter.toLowerCase()}`,
    );
  }
  if (!customElements.get(tagName)) customElements.define(tagName, elementClass);
}
