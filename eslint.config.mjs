// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', 'bench/results/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-assertions': ['error', { assertionStyle: 'never' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-console': 'off',
    },
  },
  {
    // Small files, short functions in the runtime code (issue #17); generated tables are data.
    files: ['functions/**/*.ts'],
    ignores: ['functions/**/*.generated.ts'],
    rules: {
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Decision 58: a named `z` (or the default) keeps all of zod, every locale, in a Lambda bundle;
    // zod/mini only through functions/shared/zod-mini.ts, which gives it English messages.
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'ImportDeclaration[source.value=/^zod$|zod-mini$/] > :matches(ImportSpecifier, ImportDefaultSpecifier)',
          message: "Use import * as z from 'zod', or from functions/shared/zod-mini.ts (decision 58).",
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'zod/mini', message: 'Import functions/shared/zod-mini.ts: English messages (decision 58).' },
          ],
        },
      ],
    },
  },
  {
    // Lambda code parses with zod/mini: one classic schema in a bundle costs ≈60–100 KB (decision 58).
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'zod', message: 'Lambda code imports functions/shared/zod-mini.ts (decision 58).' },
            { name: 'zod/mini', message: 'Import functions/shared/zod-mini.ts: English messages (decision 58).' },
          ],
        },
      ],
    },
  },
  { files: ['functions/shared/zod-mini.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    // Tests may assert on shapes they built themselves.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-assertions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
