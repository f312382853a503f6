import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Finds tsx's ESM loader, for writer processes that must load TypeScript.
 *
 * Looks from this package first, then from the working directory, so a
 * hoisted, a nested and a project-local install all work.
 *
 * @returns The loader's `file:` URL, for `node --import`.
 * @throws {Error} When tsx is not installed anywhere it can be found.
 */
export function resolveTsxLoader(): string {
  const origins = [import.meta.url, pathToFileURL(join(process.cwd(), 'package.json')).href];
  for (const origin of origins) {
    try {
      return pathToFileURL(createRequire(origin).resolve('tsx')).href;
    } catch {
      // Not installed from there; try the next origin.
    }
  }
  throw new Error(
    'The conformance suite needs tsx to run TypeScript in its writer processes: ' +
      'install it (npm install -D tsx), or give the harness worker its own execArgv.',
  );
}
