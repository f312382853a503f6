// The workspace packages, read from the root package.json, in dependency order:
// a package comes after every workspace package it depends on (dependencies,
// peerDependencies, optionalDependencies or devDependencies), so building in
// this order builds @factline/core before the providers that import it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const dependencyFields = [
  'dependencies',
  'peerDependencies',
  'optionalDependencies',
  'devDependencies',
];

/**
 * @typedef {{ name: string, dir: string, manifest: Record<string, any>, internal: string[] }} Workspace
 * @returns {Workspace[]} the workspaces that have a package.json, dependencies first.
 */
export function workspacesInBuildOrder() {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const patterns = rootManifest.workspaces ?? [];
  /** @type {Map<string, Workspace>} */
  const byName = new Map();
  for (const pattern of patterns) {
    if (pattern.includes('*')) {
      throw new Error(
        `workspace globs are not supported here: ${pattern}; list packages one by one`,
      );
    }
    const dir = join(root, pattern);
    const manifestPath = join(dir, 'package.json');
    // A workspace folder without a package.json is a package being started: skip it.
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    byName.set(manifest.name, { name: manifest.name, dir, manifest, internal: [] });
  }
  for (const workspace of byName.values()) {
    const names = new Set();
    for (const field of dependencyFields) {
      for (const dependency of Object.keys(workspace.manifest[field] ?? {})) {
        if (byName.has(dependency) && dependency !== workspace.name) names.add(dependency);
      }
    }
    workspace.internal = [...names];
  }

  /** @type {Workspace[]} */
  const ordered = [];
  const state = new Map(); // name -> 'visiting' | 'done'
  const visit = (name, path) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new Error(`dependency cycle between workspaces: ${[...path, name].join(' -> ')}`);
    }
    state.set(name, 'visiting');
    const workspace = byName.get(name);
    for (const dependency of workspace.internal) visit(dependency, [...path, name]);
    state.set(name, 'done');
    ordered.push(workspace);
  };
  // Visit in the root package.json's order, so unrelated packages keep it.
  for (const name of byName.keys()) visit(name, []);
  return ordered;
}
