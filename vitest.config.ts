import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (name: string) =>
  fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

// Tests run against the packages' sources, never their dist/.
export default defineConfig({
  resolve: {
    alias: {
      '@factline/core': source('core'),
      '@factline/sqlite': source('sqlite'),
      '@factline/testing': source('testing'),
      '@factline/postgres': source('postgres'),
      '@factline/mysql': source('mysql'),
      '@factline/projection': source('projection'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'docs/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: {
      include: ['packages/*/src/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
