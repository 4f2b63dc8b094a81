import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.alertflow/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // shared/labels is a leaf package (as Alertmanager's pkg/labels): node built-ins and npm only.
    files: ['shared/labels/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '../../*'], message: 'shared/labels imports nothing else of the project.' }] }],
    },
  },
  {
    // The channel registry is a leaf too: shared/queues, config/, lib/ and every sender bundle read it.
    files: ['shared/channel-types.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['./*', '../*', '../../*'], message: 'the channel registry (shared/channel-types.ts) imports nothing: its code lives in shared/channels/schemas.ts and registry.ts.' }] }],
    },
  },
);
