import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'cdk.out/',
      'dist/',
      '.venv/',
      'scratch/',
      '**/*.js',
      '**/*.d.ts',
      'test/.out/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Tests read synthesized templates and definitions: untyped JSON by nature.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
