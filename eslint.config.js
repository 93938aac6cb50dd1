// Lint rules for the whole workspace: typescript-eslint's recommended set plus the few project
// rules that keep tools honest (no floating promises would need type info; kept fast instead).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '.tools/**', '**/node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    files: ['**/test/**', 'bench/**', 'scripts/**', '**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
);
