// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.data/**',
      'test-output/**',
      '.deploy/**',
      '.deploy-build/**',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['scripts/**', 'tests/**', 'bench/**', '**/*.mjs'],
    rules: { 'no-console': 'off' },
  },
  {
    // The app logs through its one Logger (shared/telemetry/logger.ts): through the invocation context
    // inside functions, JSON lines elsewhere, filtered by LOG_LEVEL. Only the logger writes to stdout; the
    // local runner also prints its one-line start-up errors to stderr, and the CLI tools (tools/cli,
    // tools/seed, tools/migrate) write to their terminal through process.stdout/stderr by design.
    files: ['functions/**/*.ts', 'shared/**/*.ts', 'tools/local-runner/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['functions/**/*.ts', 'shared/**/*.ts'],
    ignores: ['shared/telemetry/logger.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'stdout',
          message: 'Log through the Logger (shared/telemetry/logger.ts).',
        },
        {
          object: 'process',
          property: 'stderr',
          message: 'Log through the Logger (shared/telemetry/logger.ts).',
        },
      ],
    },
  },
  {
    // Plain-JavaScript entry points and fixtures run directly on Node.
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
