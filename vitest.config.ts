import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

/** Each public entry point, by its import specifier, and its source. */
const entryPoints: Record<string, string> = {
  '@factline/core': 'core/src/index.ts',
  '@factline/sqlite': 'sqlite/src/index.ts',
  '@factline/testing': 'testing/src/index.ts',
  '@factline/testing/postgres': 'testing/src/postgres/index.ts',
  '@factline/testing/mysql': 'testing/src/mysql/index.ts',
  '@factline/postgres': 'postgres/src/index.ts',
  '@factline/mysql': 'mysql/src/index.ts',
  '@factline/projection': 'projection/src/index.ts',
};

// Tests run against the packages' sources, never their dist/. Each alias
// matches its whole specifier: a bare '@factline/testing' key would also
// catch '@factline/testing/postgres' and append '/postgres' to index.ts.
export default defineConfig({
  resolve: {
    alias: Object.entries(entryPoints).map(([specifier, path]) => ({
      find: new RegExp(`^${specifier}$`),
      replacement: source(path),
    })),
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
