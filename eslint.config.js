// Lint rules that keep the dependency direction of ARCHITECTURE.md:
// core modules never import ink, react or fastify; only appliance/crypto uses node:crypto.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const uiFrameworks = [
  { name: 'ink', message: 'Core modules never import ink: the UI lives in ui/.' },
  { name: 'react', message: 'Core modules never import react: the UI lives in ui/.' },
];
const httpFramework = [{ name: 'fastify', message: 'Only appliance/api may import fastify.' }];
const cryptoModule = [
  { name: 'node:crypto', message: 'Only appliance/crypto touches node:crypto.' },
  { name: 'crypto', message: 'Only appliance/crypto touches node:crypto.' },
];
const restrict = (paths, patterns = ['ink/*', 'react/*', 'fastify/*', '@fastify/*']) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  { files: ['appliance/**/*.ts', 'provisioning/**/*.ts'], ignores: ['appliance/api/**', 'appliance/crypto/**', '**/*.test.ts'], rules: restrict([...uiFrameworks, ...httpFramework, ...cryptoModule]) },
  { files: ['appliance/api/**/*.ts'], ignores: ['**/*.test.ts'], rules: restrict([...uiFrameworks, ...cryptoModule], ['ink/*', 'react/*']) },
  { files: ['appliance/crypto/**/*.ts'], rules: restrict([...uiFrameworks, ...httpFramework]) },
  { files: ['ui/**/*.ts', 'ui/**/*.tsx'], ignores: ['**/*.test.ts', '**/*.test.tsx'], rules: restrict([...httpFramework, ...cryptoModule]) },
);
