// `cem analyze`: builds custom-elements.json from the elements' JSDoc (CONTRIBUTING.md, "Public API"),
// so editors, CMS tools, the docs tables (scripts/docs.mjs) and the JSX and Vue types (below) know every
// element, attribute, property, event, slot, part and CSS property.
import { customElementJsxPlugin } from 'custom-element-jsx-integration';
import { customElementVuejsPlugin } from 'custom-element-vuejs-integration';

/**
 * The JSX and Vue types (dist/types/, exported as `rtc-elements/jsx` and `rtc-elements/vue`) read
 * each element's class from its own declaration file, which tsc writes to dist/components/ (paths are
 * relative to `outdir`).
 */
const typeOptions = {
  outdir: 'dist/types',
  componentTypePath: (_className, tagName) => elementModule(tagName),
  hideLogs: true,
};
const elementModule = (tagName) => `../components/${tagName}.js`;

export default {
  // RtcElement (the base of the UI elements) is read too, so that what they inherit from it (the
  // `strings` attribute and property) is in their declarations.
  globs: ['components/rtc-*.ts', 'components/internal/ui/element.ts'],
  exclude: ['components/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
  plugins: [
    defineCalls(),
    definedAttributes(),
    forFrameworkTypes(customElementJsxPlugin({ ...typeOptions, fileName: 'jsx.d.ts' })),
    forFrameworkTypes(customElementVuejsPlugin({ ...typeOptions, fileName: 'vue.d.ts' })),
  ],
};

/**
 * Elements register with `define('rtc-call', RtcCall)` (components/internal/ui/define.ts), which the
 * analyzer does not know: record each such call as the module's custom-element definition, as it
 * does for `customElements.define`.
 */
function defineCalls() {
  return {
    name: 'rtc-elements-define-calls',
    analyzePhase({ ts, node, moduleDoc }) {
      if (!ts.isCallExpression(node) || node.expression.getText() !== 'define') return;
      const [tag, elementClass] = node.arguments;
      if (!tag || !elementClass || !ts.isStringLiteral(tag)) return;
      moduleDoc.exports ??= [];
      moduleDoc.exports.push({
        kind: 'custom-element-definition',
        name: tag.text,
        declaration: { name: elementClass.getText(), module: moduleDoc.path },
      });
    },
  };
}

const dashCase = (name) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
const camelCase = (name) => name.replace(/-([a-z])/g, (_dash, letter) => letter.toUpperCase());

/**
 * The attributes as define() declares them at run time, where the analyzer reads the `properties`
 * table otherwise:
 * - An attribute is its property's name in dash-case (`cameraOff`: `camera-off`), unless the property
 *   names another. The analyzer names it after the property as is: rename it, and merge it with what
 *   the class's JSDoc says of it (`@attr camera-off - ...`), as it merges an `attribute` it was given.
 * - A private or protected property (`file: { state: true }`) is internal state, not an attribute.
 * - An attribute documented with `@attr` whose property the analyzer did not see in the table (one
 *   spread into it, such as `...roomProperties`) is the attribute of the field of that name.
 */
function definedAttributes() {
  return {
    name: 'rtc-elements-defined-attributes',
    moduleLinkPhase({ moduleDoc }) {
      for (const declaration of moduleDoc.declarations ?? []) {
        if (!declaration.attributes) continue;
        declaration.attributes = declaration.attributes.filter(
          (attribute) => !isStateAttribute(declaration, attribute),
        );
        for (const attribute of [...declaration.attributes]) {
          if (attribute.fieldName) renameToDashCase(declaration, attribute);
          else linkToField(declaration, attribute);
        }
      }
    },
  };
}

const fieldNamed = (declaration, name) =>
  declaration.members?.find((member) => member.kind === 'field' && member.name === name);
const isPublic = (member) => member.privacy !== 'private' && member.privacy !== 'protected';

/** A private reactive property's attribute (which is none): forgotten, on the field too. */
function isStateAttribute(declaration, attribute) {
  const field = attribute.fieldName && fieldNamed(declaration, attribute.fieldName);
  if (!field || isPublic(field)) return false;
  delete field.attribute;
  return true;
}

/** What the analyzer made of a property with no `attribute` (its name as is) gets define()'s name. */
function renameToDashCase(declaration, attribute) {
  const { fieldName } = attribute;
  if (attribute.name !== fieldName || dashCase(fieldName) === fieldName) return;
  const name = dashCase(fieldName);
  const documented = declaration.attributes.find((other) => other.name === name);
  if (documented) declaration.attributes.splice(declaration.attributes.indexOf(attribute), 1);
  Object.assign(documented ?? attribute, { ...documented, ...attribute, name });
  const field = fieldNamed(declaration, fieldName);
  if (field) field.attribute = name;
}

/** Global attributes an element documents (what it does with them), with HTMLElement's property. */
const GLOBAL_ATTRIBUTES = { lang: { text: 'string' } };

/**
 * An `@attr` line without a property the analyzer saw: the attribute of the public field of its name,
 * or of HTMLElement's property for a global attribute (`lang`: the element picks its texts by it).
 */
function linkToField(declaration, attribute) {
  if (attribute.name in GLOBAL_ATTRIBUTES) {
    attribute.fieldName = attribute.name;
    attribute.type ??= GLOBAL_ATTRIBUTES[attribute.name];
    return;
  }
  const field = fieldNamed(declaration, camelCase(attribute.name));
  if (!field || !isPublic(field)) return;
  attribute.fieldName = field.name;
  attribute.type ??= field.type;
  attribute.default ??= field.default;
  field.attribute = attribute.name;
}

/**
 * Runs a JSX or Vue type generator on a copy of the manifest made for it:
 * - An event's detail type (`@fires {PeerDetail} rtc-open`) is named through its element's module,
 *   `import('../components/rtc-datachannel.js').PeerDetail`: the generators import each named type
 *   from each element's module, once per element, and a type that two elements fire (the room
 *   events) would then be imported twice.
 * - Read-only properties (getters such as `stream`) are left out: a framework that sets them would
 *   throw.
 */
function forFrameworkTypes(plugin) {
  return {
    name: `rtc-elements-${plugin.name}`,
    packageLinkPhase({ customElementsManifest, context }) {
      const manifest = structuredClone(customElementsManifest);
      for (const declaration of manifest.modules.flatMap((module) => module.declarations ?? [])) {
        if (!declaration.tagName) continue;
        declaration.members = declaration.members?.filter((member) => !member.readonly);
        for (const event of declaration.events ?? []) {
          const typeName = event.type?.text;
          if (typeName && /^\w+$/.test(typeName))
            event.type = { text: `import('${elementModule(declaration.tagName)}').${typeName}` };
        }
      }
      plugin.packageLinkPhase({ customElementsManifest: manifest, context });
    },
  };
}
