/**
 * Gates on custom-elements.json, which `npm run build` makes from the elements' JSDoc and which the
 * docs tables (scripts/docs.mjs) and the JSX and Vue types are generated from: every element's public
 * API is there, described, and its events name their detail types.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

/**
 * Elements whose `@fires` tags do not name detail types yet, with the reason. To add one, write its
 * tags as `@fires {RtcCallJoinDetail} rtc-call-join - ...` (the type exported by the element's module)
 * and take it off this list; tests/types/events.ts then checks each type against the event map.
 */
const UNTYPED_EVENTS: Record<string, string> = {};

interface Described {
  name: string;
  description?: string;
}
interface Element {
  tagName: string;
  attributes?: (Described & { fieldName?: string })[];
  members?: (Described & { kind: string; privacy?: string; static?: boolean })[];
  events?: (Described & { type?: { text: string } })[];
  slots?: Described[];
  cssParts?: Described[];
  cssProperties?: Described[];
}

function readElements(): Element[] {
  assert.ok(existsSync('custom-elements.json'), 'custom-elements.json is missing: run `npm run build` first');
  const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8')) as {
    modules: { declarations?: (Element | { tagName?: undefined })[] }[];
  };
  const elements = manifest.modules
    .flatMap((module) => module.declarations ?? [])
    .filter((declaration): declaration is Element => Boolean(declaration.tagName));
  assert.ok(elements.length >= 4, `custom-elements.json lists ${elements.length} elements`);
  return elements;
}

const dashCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

test('every event of every element names its detail type (`@fires {Type} name - ...`)', () => {
  const untyped = readElements()
    .filter((element) => !(element.tagName in UNTYPED_EVENTS))
    .flatMap((element) =>
      (element.events ?? []).filter((event) => !event.type?.text).map((event) => `${element.tagName} ${event.name}`),
    );
  assert.deepEqual(untyped, [], 'events without a detail type in their @fires tag');
});

test('every attribute, property, method, event, slot, part and CSS property of every element is described', () => {
  const undescribed: string[] = [];
  for (const element of readElements()) {
    const publicMembers = (element.members ?? []).filter(
      (member) =>
        member.privacy !== 'private' &&
        member.privacy !== 'protected' &&
        !member.static &&
        !member.name.endsWith('Callback'),
    );
    const attributeFields = new Set(element.attributes?.map((attribute) => attribute.fieldName));
    const lists: [string, Described[]][] = [
      ['attribute', element.attributes ?? []],
      // A property with an attribute is described by its `@attr` line.
      ['property', publicMembers.filter((member) => member.kind === 'field' && !attributeFields.has(member.name))],
      ['method', publicMembers.filter((member) => member.kind === 'method')],
      ['event', element.events ?? []],
      ['slot', element.slots ?? []],
      ['part', element.cssParts ?? []],
      ['CSS property', element.cssProperties ?? []],
    ];
    for (const [kind, items] of lists)
      for (const item of items)
        if (!item.description?.trim()) undescribed.push(`${element.tagName} ${kind} ${item.name || '(default)'}`);
  }
  assert.deepEqual(undescribed, []);
});

test("every attribute is dash-case and sets the property of that name (define()'s rule)", () => {
  const wrong = readElements().flatMap((element) =>
    (element.attributes ?? [])
      .filter((attribute) => !attribute.fieldName || dashCase(attribute.fieldName) !== attribute.name)
      .map((attribute) => `${element.tagName} ${attribute.name} (property: ${attribute.fieldName ?? 'none'})`),
  );
  assert.deepEqual(wrong, []);
});
