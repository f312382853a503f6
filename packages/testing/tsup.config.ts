import { defineConfig, type Options } from 'tsup';
import base from '../../tsup.config.js';

// ESM only: vitest cannot be required, and the suite finds its writer script
// through import.meta.url. The writer is its own entry, so it lands next to
// index.js, where the suite looks for it. The server helpers are entries of
// their own (`@factline/testing/postgres`, `/mysql`), so that only they load
// pg or mysql2.
export default defineConfig({
  ...(base as Options),
  entry: {
    index: 'src/index.ts',
    'conformance-writer': 'src/conformance/conformance-writer.ts',
    postgres: 'src/postgres/index.ts',
    mysql: 'src/mysql/index.ts',
  },
  format: ['esm'],
});
