// Builds every workspace package that has a `build` script, in dependency
// order (see workspaces.mjs): a provider's declaration build resolves
// `@factline/core` to core's dist/, so core must be built first.
//
//   node scripts/build.mjs                 build all
//   node scripts/build.mjs @factline/sqlite  build that package and what it needs
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { root, workspacesInBuildOrder } from './workspaces.mjs';

const all = workspacesInBuildOrder();
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!all.some((workspace) => workspace.name === name)) {
    console.error(`build: no workspace named ${name}`);
    process.exit(2);
  }
}

// With names given, build those and the workspaces they depend on.
const selected = new Set(wanted.length === 0 ? all.map((workspace) => workspace.name) : []);
const select = (name) => {
  if (selected.has(name)) return;
  selected.add(name);
  for (const dependency of all.find((workspace) => workspace.name === name)?.internal ?? []) {
    select(dependency);
  }
};
for (const name of wanted) select(name);

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const started = performance.now();
for (const workspace of all) {
  if (!selected.has(workspace.name)) continue;
  if (!workspace.manifest.scripts?.build) {
    console.log(`build: ${workspace.name} has no build script, skipped`);
    continue;
  }
  console.log(`\nbuild: ${workspace.name} (${relative(root, workspace.dir)})`);
  const result = spawnSync(npm, ['run', 'build', '--workspace', workspace.name], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error(`build: ${workspace.name} failed`);
    process.exit(result.status ?? 1);
  }
}
console.log(`\nbuild: done in ${((performance.now() - started) / 1000).toFixed(1)}s`);
