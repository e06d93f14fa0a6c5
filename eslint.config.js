// Lint rules that keep the layers apart (DESIGN.md, Layout):
//  - electron/lab and electron/cli are plain Node: never 'electron', never React or the DOM;
//  - renderer/ talks only to window.mailprobe (electron/api.ts): never Node modules, never the engine.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'net', 'os', 'path', 'process', 'readline', 'stream', 'tls', 'url', 'util',
  'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-artifacts/**', 'out/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', 'bin/**', 'bench/**', 'test/**', 'scripts/**', '.ci/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Tests and benches make temporary directories with tempDir() (test/support/temp.ts), which
    // removes them when the file (or the process) ends: docs/testing.md.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['test/support/temp.ts', 'test/support/temp-root.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['node:fs', 'fs', 'node:fs/promises', 'fs/promises'].map((name) => ({
          name,
          importNames: ['mkdtemp', 'mkdtempSync'],
          message: 'Use tempDir() from test/support/temp.ts: it removes the directory when the test file ends.',
        })),
      }],
    },
  },
  {
    files: ['electron/lab/**/*.ts', 'electron/cli/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'electron', message: 'electron/lab and electron/cli are plain Node: use electron/main for Electron.' },
          { name: 'react', message: 'The engine never renders: React belongs to renderer/.' },
          { name: 'react-dom', message: 'The engine never renders: React belongs to renderer/.' },
        ],
        patterns: [
          { group: ['electron/*'], message: 'electron/lab and electron/cli are plain Node.' },
          { group: ['**/renderer/**', '**/main/**', '**/preload/**'], message: 'The engine does not import its adapters.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'window', message: 'No DOM in the engine.' },
        { name: 'document', message: 'No DOM in the engine.' },
        { name: 'localStorage', message: 'No DOM in the engine.' },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'The renderer never uses Node modules: go through window.mailprobe.' })),
          { name: 'electron', message: 'The renderer reaches the engine only through window.mailprobe.' },
        ],
        patterns: [
          { group: ['node:*'], message: 'The renderer never uses Node modules: go through window.mailprobe.' },
          { group: ['**/electron/lab/**', '**/electron/cli/**', '**/electron/main/**', '**/electron/preload/**'], message: 'The renderer sees only electron/api.ts.' },
        ],
      }],
    },
  },
);
