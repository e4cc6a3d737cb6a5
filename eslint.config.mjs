// `npm run lint` (part of `npm test`): typescript-eslint, Lit's and the web-component rule sets, and
// the rules that keep code readable (CONTRIBUTING.md). Formatting is prettier's (.prettierrc.json);
// eslint-config-prettier turns off the rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.wtr-tmp/', 'custom-elements.json', 'bench/results.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // Readability (CONTRIBUTING.md): no golf.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-sequences': ['error', { allowInParentheses: false }],
      'no-implicit-coercion': ['error', { allow: ['!!'] }],
      'no-nested-ternary': 'off',
      'prefer-const': 'error',
      'no-var': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['components/**/*.ts'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['components/**/*.ts'],
    ...wc.configs['flat/recommended'],
    settings: { wc: { elementBaseClasses: ['LitElement', 'RtcElement'] } },
  },
  {
    files: ['components/**/*.ts'],
    rules: {
      // Peer text is rendered through Lit text bindings only (CONTRIBUTING.md).
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^(innerHTML|outerHTML)$/]',
          message: 'Render through Lit bindings: text from peers never becomes HTML.',
        },
        {
          selector: "CallExpression[callee.property.name='insertAdjacentHTML']",
          message: 'Render through Lit bindings: text from peers never becomes HTML.',
        },
      ],
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'lit/directives/unsafe-html.js', message: 'Text from peers never becomes HTML.' }] },
      ],
    },
  },
  {
    // A JSX framework learns custom elements by declaration merging into its JSX namespace, as the
    // README tells apps to do and these type tests do.
    files: ['tests/types/*.tsx'],
    rules: {
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.{js,mjs}'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  prettier,
);
