#!/usr/bin/env node
// `npm run docs`: rewrites the API tables of docs/elements/*.md from custom-elements.json (which
// `cem analyze` builds from the elements' JSDoc), keeping the hand-written prose around them.
//
// A page marks each table it shows with a pair of comments, and everything between them is replaced:
//
//   <!-- api:events -->
//   ...generated...
//   <!-- /api:events -->
//
// Sections: attributes (with the property each sets, and the writable properties that have none),
// properties (read-only), methods, events, slots, parts, css-properties. An event's detail type is
// written out with its fields, read from the element's module with TypeScript.
//
// `node scripts/docs.mjs --check` changes nothing and fails when a page is out of date (the gate in
// tests/gates/docs.test.ts does the same).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';

const MANIFEST = 'custom-elements.json';
const pagePath = (tagName) => `docs/elements/${tagName}.md`;
const modulePath = (tagName) => `components/${tagName}.ts`;

const SECTIONS = ['attributes', 'properties', 'methods', 'events', 'slots', 'parts', 'css-properties'];

/** The elements in the manifest (declarations with a tag name), by tag name. */
function readElements(manifestPath = MANIFEST) {
  if (!existsSync(manifestPath)) throw new Error(`${manifestPath} is missing: run \`npm run build\` first`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  return manifest.modules
    .flatMap((module) => module.declarations ?? [])
    .filter((declaration) => declaration.tagName)
    .sort((a, b) => a.tagName.localeCompare(b.tagName));
}

/**
 * Every page that has generated sections, as it should read: `[{ path, current, expected }]`. Throws
 * when a page lacks a section its element needs (it has events, say, and no events table).
 */
function renderPages(elements = readElements()) {
  const pages = elements.map((element) => ({ element, path: pagePath(element.tagName) }));
  const withTables = pages.filter(({ path }) => existsSync(path) && /<!-- api:/.test(readFileSync(path, 'utf8')));
  const describeDetail = detailTypeReader(withTables.map(({ element }) => modulePath(element.tagName)));
  return withTables.map(({ element, path }) => {
    const current = readFileSync(path, 'utf8');
    const tables = sectionTables(element, describeDetail);
    for (const [section, table] of Object.entries(tables)) {
      if (table && !current.includes(`<!-- api:${section} -->`))
        throw new Error(`${path} has no <!-- api:${section} --> section, and ${element.tagName} has ${section}`);
    }
    const expected = current.replace(
      /(<!-- api:([a-z-]+) -->\n)[\s\S]*?(<!-- \/api:\2 -->)/g,
      (_whole, open, section, close) => {
        if (!SECTIONS.includes(section)) throw new Error(`${path}: unknown section <!-- api:${section} -->`);
        return `${open}${tables[section] || `${element.tagName} has no ${section}.\n`}${close}`;
      },
    );
    return { path, current, expected };
  });
}

/** Each section's Markdown table for one element ('' when the element has nothing for it). */
function sectionTables(element, describeDetail) {
  const members = (element.members ?? []).filter(isPublicApi);
  const fields = members.filter((member) => member.kind === 'field');
  const fieldNamed = (name) => fields.find((field) => field.name === name);
  const attributes = element.attributes ?? [];
  const writableWithoutAttribute = fields.filter((field) => !field.attribute && !field.readonly);

  return {
    attributes: table(
      ['Attribute', 'Property', 'Type', 'Default', 'Description'],
      [
        ...attributes.map((attribute) => {
          const field = fieldNamed(attribute.fieldName);
          return [
            code(attribute.name),
            code(attribute.fieldName),
            code((field?.type ?? attribute.type)?.text),
            defaultValue(attribute.default ?? field?.default),
            attribute.description ?? field?.description,
          ];
        }),
        ...writableWithoutAttribute.map((field) => [
          '',
          code(field.name),
          code(field.type?.text),
          defaultValue(field.default),
          field.description,
        ]),
      ],
    ),
    properties: table(
      ['Property', 'Type', 'Description'],
      fields
        .filter((field) => !field.attribute && field.readonly)
        .map((field) => [code(field.name), code(field.type?.text), field.description]),
    ),
    methods: table(
      ['Method', 'Returns', 'Description'],
      members
        .filter((member) => member.kind === 'method')
        .map((method) => [code(signature(method)), code(method.return?.type?.text), method.description]),
    ),
    events: table(
      ['Event', 'Detail', 'Description'],
      (element.events ?? []).map((event) => [
        code(event.name),
        event.type ? describeDetail(modulePath(element.tagName), event.type.text) : '',
        event.description,
      ]),
    ),
    slots: table(
      ['Slot', 'Description'],
      (element.slots ?? []).map((slot) => [slot.name ? code(slot.name) : '(default)', slot.description]),
    ),
    parts: table(
      ['Part', 'Description'],
      (element.cssParts ?? []).map((part) => [code(part.name), part.description]),
    ),
    'css-properties': table(
      ['Property', 'Default', 'Description'],
      (element.cssProperties ?? []).map((property) => [
        code(property.name),
        code(property.default),
        property.description,
      ]),
    ),
  };
}

/**
 * What a page documents: public members, without the statics (`formAssociated`) and the lifecycle
 * callbacks the browser calls (`formResetCallback`).
 */
function isPublicApi(member) {
  const hidden = member.privacy === 'private' || member.privacy === 'protected' || member.name.startsWith('#');
  return !hidden && !member.static && !member.name.endsWith('Callback');
}

/** `send(data: ChannelData, options?: SendOptions)` */
function signature(method) {
  const parameters = (method.parameters ?? []).map(
    (parameter) => `${parameter.name}${parameter.optional ? '?' : ''}: ${parameter.type?.text ?? 'unknown'}`,
  );
  return `${method.name}(${parameters.join(', ')})`;
}

/** A Markdown table; '' without rows. */
function table(headings, rows) {
  if (rows.length === 0) return '';
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const body = rows.map((cells) => line(cells.map((cell) => cellText(cell ?? ''))));
  return `${[line(headings), line(headings.map(() => '---')), ...body].join('\n')}\n`;
}

/** One line, with the table's separator escaped (GitHub reads `\|` inside code spans too). */
function cellText(text) {
  return text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|');
}

function code(text) {
  return text ? `\`${text}\`` : '';
}

/** A default as code when it is a value (`'user'`, `20000`, `true`), as words otherwise (`no limit`). */
function defaultValue(text) {
  if (!text) return '';
  const literal = /^(['"`].*['"`]|-?[\d_.]+|true|false|null|\[.*\]|\{.*\})$/s.test(text);
  return literal ? code(/^[\d_]+$/.test(text) ? text.replaceAll('_', '') : text) : text;
}

/**
 * Reads event detail types from the elements' modules with TypeScript (the project's tsconfig.json):
 * `describe('components/rtc-camera.ts', 'RtcSnapshotDetail')` gives
 * `` `RtcSnapshotDetail`: `{ blob: Blob, width: number, height: number }` ``, each field's type as its
 * declaration writes it. Throws when the module does not export that name.
 */
function detailTypeReader(modules) {
  const config = ts.getParsedCommandLineOfConfigFile(
    'tsconfig.json',
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
  );
  const program = ts.createProgram(modules, config.options);
  const checker = program.getTypeChecker();

  return (module, typeName) => {
    const source = program.getSourceFile(module);
    const exported = source && checker.getExportsOfModule(checker.getSymbolAtLocation(source));
    let symbol = exported?.find((each) => each.name === typeName);
    if (!symbol) throw new Error(`${module} exports no type ${typeName} (named by an @fires tag)`);
    if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const fields = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)).map((field) => {
      const declaration = field.valueDeclaration;
      const type = declaration?.type?.getText() ?? checker.typeToString(checker.getTypeOfSymbol(field));
      const optional = field.flags & ts.SymbolFlags.Optional ? '?' : '';
      return `${field.name}${optional}: ${type.replace(/\s+/g, ' ')}`;
    });
    return `${code(typeName)}: ${code(`{ ${fields.join(', ')} }`)}`;
  };
}

// ---- the command ------------------------------------------------------------------------------
const check = process.argv.includes('--check');
const stale = [];
for (const { path, current, expected } of renderPages()) {
  if (current === expected) continue;
  stale.push(path);
  if (!check) writeFileSync(path, expected);
}
if (check && stale.length > 0) {
  console.error(`Out of date with ${MANIFEST}: ${stale.join(', ')}. Run \`npm run docs\`.`);
  process.exit(1);
}
console.log(check ? 'The API tables are up to date.' : `Rewrote ${stale.length ? stale.join(', ') : 'nothing'}.`);
