// Adds package-lock.json entries for the other platforms' optional binary
// packages (@rollup/rollup-darwin-arm64, @biomejs/cli-win32-x64, ...) when the
// registry this project installs from does not serve those versions.
//
// Why: `npm install` silently leaves an optional dependency it cannot fetch out
// of the lockfile, but `npm ci` then refuses the lockfile ("Missing:
// @rollup/rollup-darwin-arm64@ from lock file"). The entries added here name
// the exact version the parent pins, with the os/cpu/libc read off the
// package's name, so npm skips them on other platforms and `npm ci` accepts the
// lockfile. npm keeps such entries on later installs.
//
//   node scripts/lockfile-platform-entries.mjs            add what is missing
//   node scripts/lockfile-platform-entries.mjs --check    exit 1 if anything is missing
//
// After adding, run `npm install --package-lock-only` once to let npm
// normalise the file, then `npm ci` to confirm.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './workspaces.mjs';

const oses = ['aix', 'android', 'darwin', 'freebsd', 'linux', 'netbsd', 'openbsd', 'openharmony'];
const osAliases = { win32: 'win32', windows: 'win32', sunos: 'sunos', solaris: 'sunos' };
const cpus = ['arm64', 'arm', 'ia32', 'loong64', 'mips64el', 'ppc64', 'riscv64', 's390x', 'x64'];
const cpuAliases = { x86_64: 'x64', aarch64: 'arm64', x86: 'ia32', ppc64le: 'ppc64' };

/** os, cpu and libc read off a platform package's name, as far as it tells. */
const platformOf = (name) => {
  const tokens = name.split('/').pop().split('-');
  const platform = {};
  for (const token of tokens) {
    if (oses.includes(token)) platform.os = [token];
    else if (osAliases[token]) platform.os = [osAliases[token]];
    else if (cpus.includes(token)) platform.cpu = [token];
    else if (cpuAliases[token]) platform.cpu = [cpuAliases[token]];
    else if (token === 'musl' || token === 'musleabihf') platform.libc = ['musl'];
    else if (token === 'gnu' || token === 'gnueabihf') platform.libc = ['glibc'];
  }
  if (platform.libc && platform.os?.[0] !== 'linux') delete platform.libc;
  return platform;
};

const file = join(root, 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages ?? {};
const missing = [];
for (const [key, entry] of Object.entries(packages)) {
  if (!key.startsWith('node_modules/') || !entry.optionalDependencies) continue;
  // Where npm would place the dependency: beside the parent's own node_modules first.
  for (const [name, spec] of Object.entries(entry.optionalDependencies)) {
    const nested = `${key}/node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) continue; // only exact pins are platform binaries
    const platform = platformOf(name);
    if (!platform.os && !platform.cpu) continue;
    missing.push({
      key: hoisted,
      entry: {
        version: spec,
        ...(platform.cpu && { cpu: platform.cpu }),
        ...(entry.dev && { dev: true }),
        ...(platform.libc && { libc: platform.libc }),
        optional: true,
        ...(platform.os && { os: platform.os }),
      },
    });
  }
}

const unique = [...new Map(missing.map((item) => [item.key, item])).values()];
if (process.argv.includes('--check')) {
  for (const { key, entry } of unique) console.log(`missing: ${key.slice(13)}@${entry.version}`);
  process.exit(unique.length > 0 ? 1 : 0);
}
if (unique.length === 0) {
  console.log('package-lock.json: no platform entries missing');
  process.exit(0);
}
for (const { key, entry } of unique) packages[key] = entry;
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'),
  ),
);
lock.packages = sorted;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${unique.length} platform entries`);
for (const { key, entry } of unique) console.log(`  ${key.slice(13)}@${entry.version}`);
console.log('now run: npm install --package-lock-only && npm ci');
