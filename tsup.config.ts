import { defineConfig } from 'tsup';

// Every package builds the same way: run from the package's folder by its
// `build` script, ESM + CJS + declarations for both, for Node 20.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { paths: {} } },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  treeshake: true,
  tsconfig: '../../tsconfig.build.json',
});
