// Checks what every published workspace package would put on the registry.
// Run after `npm run build`; exits non-zero if any package has a problem.
//
// For each non-private workspace package (packages/*):
//   - its dist/ exists (the package was built);
//   - the tarball (`npm pack --dry-run`) holds dist/ and no test files;
//   - every bare import in dist/ (JS and declarations) is a Node builtin or a
//     declared dependency/peerDependency — a workspace import such as
//     '@factline/core' must stay an import, never be bundled in — and the JS
//     sourcemaps name only the package's own src/;
//   - publint --strict (warnings fail too);
//   - attw --pack (@arethetypeswrong/cli) with --profile node16 for a dual
//     ESM + CJS package (the ESM and CJS entry points resolve to matching types
//     under node16 from ESM and from CJS, and under bundler resolution; node10
//     is not required, so subpath exports stay possible), or --profile
//     esm-only for a package with no CommonJS entry (such as @factline/testing).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { root, workspacesInBuildOrder } from './workspaces.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', name);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const testFile = /\.(test|spec|test-d|int\.test|bench)\.[cm]?[jt]s$|(^|\/)__tests__\//;

const run = (command, args, cwd) => {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  return { ok: result.status === 0, seconds: (performance.now() - started) / 1000 };
};

const filesUnder = (dir) =>
  readdirSync(dir, { recursive: true })
    .map((entry) => join(dir, String(entry)))
    .filter((path) => statSync(path).isFile());

const packageNameOf = (specifier) => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
};

/** Bare module specifiers imported, re-exported or required by a JS or .d.ts file. */
const bareImportsOf = (source) => {
  const specifiers = new Set();
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"\n]+)['"]/g,
    /^\s*import\s*['"]([^'"\n]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) specifiers.add(match[1]);
  }
  // Bare specifiers only: not relative or absolute paths, and shaped like a package name.
  return [...specifiers].filter((specifier) => /^(?:node:)?@?[\w-][\w.@/-]*$/.test(specifier));
};

/** Problems with what dist/ imports or bundles; empty when fine. */
const checkDistImports = (workspace) => {
  const problems = [];
  const { manifest, dir } = workspace;
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const dist = join(dir, 'dist');
  const imported = new Set();
  for (const file of filesUnder(dist)) {
    const name = relative(dir, file).split(sep).join('/');
    if (/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(file)) {
      for (const specifier of bareImportsOf(readFileSync(file, 'utf8'))) {
        if (builtins.has(specifier) || specifier.startsWith('node:')) continue;
        const packageName = packageNameOf(specifier);
        imported.add(packageName);
        const typesFor = packageName.startsWith('@types/') ? packageName.slice(7) : null;
        if (!declared.has(packageName) && !(typesFor && declared.has(typesFor))) {
          problems.push(`${name} imports '${specifier}', which package.json does not declare`);
        }
      }
    }
    if (file.endsWith('.js.map') || file.endsWith('.cjs.map') || file.endsWith('.mjs.map')) {
      const map = JSON.parse(readFileSync(file, 'utf8'));
      const base = resolve(file, '..');
      for (const source of map.sources ?? []) {
        const path = resolve(base, map.sourceRoot ?? '', source);
        if (!path.startsWith(join(dir, 'src') + sep)) {
          problems.push(
            `${name} bundles ${relative(root, path)}, from outside ${relative(root, dir)}/src`,
          );
        }
      }
    }
  }
  problems.push(...checkWorkspaceDependenciesStayExternal(workspace));
  return { problems, imported: [...imported].sort() };
};

/** Names a built package's declaration entry exports (tsup's `export { A, B as C };`). */
const exportedNamesOf = (declarations) => {
  const names = new Set();
  for (const match of declarations.matchAll(/\bexport\s*(?:type\s*)?\{([^}]*)\}/g)) {
    for (const part of match[1].split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop()
        ?.replace(/^type\s+/, '');
      if (name) names.add(name);
    }
  }
  for (const match of declarations.matchAll(
    /\bexport\s+(?:declare\s+)?(?:abstract\s+)?(?:class|function|const|let|enum|interface|type)\s+([A-Za-z_$][\w$]*)/g,
  )) {
    names.add(match[1]);
  }
  return names;
};

/**
 * A workspace package this one depends on (e.g. @factline/core) must stay an
 * import: its sources must not be bundled into this package's JS (the
 * sourcemap check) nor its declarations into this package's .d.ts/.d.cts
 * (checked here), and a value import in src/ must survive as an import in
 * every JS output built from that source (by its sourcemap; every output
 * when it has none), so an entry that never uses it need not import it.
 */
const checkWorkspaceDependenciesStayExternal = (workspace) => {
  const problems = [];
  const others = workspacesInBuildOrder().filter((other) =>
    workspace.internal.includes(other.name),
  );
  const dist = join(workspace.dir, 'dist');
  const outputs = filesUnder(dist);
  const sources = filesUnder(join(workspace.dir, 'src')).filter(
    (file) => /\.[cm]?tsx?$/.test(file) && !testFile.test(file),
  );
  for (const other of others) {
    const escaped = other.name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const valueImport = new RegExp(`\\bimport\\s+(?!type\\b)[^;]*?\\bfrom\\s*['"]${escaped}['"]`);
    const importers = new Set(
      sources.filter((file) => valueImport.test(readFileSync(file, 'utf8'))),
    );
    if (importers.size > 0) {
      for (const file of outputs.filter((path) => /\.(c|m)?js$/.test(path))) {
        const builtFrom = sourcesOf(file);
        if (builtFrom !== undefined && !builtFrom.some((source) => importers.has(source))) continue;
        if (!bareImportsOf(readFileSync(file, 'utf8')).includes(other.name)) {
          problems.push(
            `${relative(workspace.dir, file)} does not import '${other.name}', which src/ imports: was it bundled in?`,
          );
        }
      }
    }
    const otherEntry = join(other.dir, 'dist', 'index.d.ts');
    if (!existsSync(otherEntry)) continue;
    const theirs = exportedNamesOf(readFileSync(otherEntry, 'utf8'));
    for (const file of outputs.filter((path) => /\.d\.(c|m)?ts$/.test(path))) {
      const text = readFileSync(file, 'utf8');
      const redeclared = [
        ...text.matchAll(
          /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:class|function|const|let|enum|interface|type)\s+([A-Za-z_$][\w$]*)/gm,
        ),
      ]
        .map((match) => match[1])
        .filter((name) => theirs.has(name));
      if (redeclared.length > 0) {
        problems.push(
          `${relative(workspace.dir, file)} declares ${[...new Set(redeclared)].slice(0, 5).join(', ')} ` +
            `itself, which '${other.name}' exports: were its declarations bundled in?`,
        );
      }
    }
  }
  return problems;
};

/** The source files a JS output was built from, by its sourcemap; undefined without one. */
const sourcesOf = (file) => {
  const mapFile = `${file}.map`;
  if (!existsSync(mapFile)) return undefined;
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const base = resolve(file, '..');
  return (map.sources ?? []).map((source) => resolve(base, map.sourceRoot ?? '', source));
};

/** Problems with the tarball's file list; empty when fine. */
const checkTarball = (workspace) => {
  const result = spawnSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: workspace.dir,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    return { problems: [`npm pack --dry-run failed:\n${result.stderr}`], files: 0, size: 0 };
  }
  const [pack] = JSON.parse(result.stdout);
  const problems = [];
  const paths = pack.files.map((file) => file.path);
  for (const path of paths) {
    if (testFile.test(path)) problems.push(`the tarball holds a test file: ${path}`);
    if (path.startsWith('src/')) problems.push(`the tarball holds a source file: ${path}`);
  }
  if (!paths.some((path) => path.startsWith('dist/'))) problems.push('the tarball holds no dist/');
  return { problems, files: pack.entryCount, size: pack.size };
};

/** Whether the package ships a CommonJS entry: any `require` export condition, or a .cjs main. */
const hasCommonJs = (manifest) => {
  const visit = (value) =>
    typeof value === 'object' && value !== null
      ? Object.entries(value).some(([key, inner]) => key === 'require' || visit(inner))
      : typeof value === 'string' && value.endsWith('.cjs');
  return visit(manifest.exports ?? {}) || String(manifest.main ?? '').endsWith('.cjs');
};

/** ESM + CJS packages must resolve under node16 from both; ESM-only ones only from ESM. */
const attwProfileOf = (manifest) => (hasCommonJs(manifest) ? 'node16' : 'esm-only');

const workspaces = workspacesInBuildOrder().filter((workspace) => !workspace.manifest.private);
if (workspaces.length === 0) {
  console.error('check-packages: no published workspace packages found');
  process.exit(1);
}

const rows = [];
for (const workspace of workspaces) {
  const where = relative(root, workspace.dir);
  console.log(
    `\n━━ ${workspace.name} (${where}) ${'━'.repeat(Math.max(0, 60 - workspace.name.length - where.length))}`,
  );
  const row = { name: workspace.name, problems: [] };
  rows.push(row);
  if (!existsSync(join(workspace.dir, 'dist'))) {
    row.problems.push('no dist/: run `npm run build` first');
    row.publint = row.attw = 'skipped';
    console.log(`✗ ${row.problems[0]}`);
    continue;
  }

  const tarball = checkTarball(workspace);
  row.files = tarball.files;
  row.size = tarball.size;
  row.problems.push(...tarball.problems);

  const imports = checkDistImports(workspace);
  row.problems.push(...imports.problems);
  console.log(
    `tarball: ${tarball.files} files, ${(tarball.size / 1024).toFixed(1)} kB packed; ` +
      `dist imports: ${imports.imported.join(', ') || '(none but builtins)'}`,
  );
  for (const problem of [...tarball.problems, ...imports.problems]) console.log(`✗ ${problem}`);

  console.log('\n$ publint --strict');
  const publint = run(bin('publint'), ['run', '.', '--strict', '--pack', 'npm'], workspace.dir);
  row.publint = publint.ok ? 'ok' : 'FAILED';
  if (!publint.ok) row.problems.push('publint reported problems (above)');

  const profile = attwProfileOf(workspace.manifest);
  console.log(`$ attw --pack . --profile ${profile}`);
  const attw = run(
    bin('attw'),
    [
      '--pack',
      '.',
      '--profile',
      profile,
      '--no-definitely-typed',
      '--format',
      'table',
      ...(process.stdout.isTTY ? [] : ['--no-color']),
    ],
    workspace.dir,
  );
  row.attw = attw.ok ? 'ok' : 'FAILED';
  if (!attw.ok) row.problems.push('attw reported problems (above)');
}

console.log(`\n━━ summary ${'━'.repeat(62)}`);
const table = [['package', 'files', 'packed', 'imports/bundling', 'publint', 'attw', 'result']];
for (const row of rows) {
  const own = row.problems.filter((problem) => !/^(publint|attw) reported/.test(problem));
  table.push([
    row.name,
    row.files === undefined ? '-' : String(row.files),
    row.size === undefined ? '-' : `${(row.size / 1024).toFixed(1)} kB`,
    row.files === undefined ? 'skipped' : own.length === 0 ? 'ok' : `${own.length} problem(s)`,
    row.publint,
    row.attw,
    row.problems.length === 0 ? 'PASS' : 'FAIL',
  ]);
}
const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
for (const line of table) {
  console.log(line.map((cell, column) => cell.padEnd(widths[column])).join('  '));
}
const failed = rows.filter((row) => row.problems.length > 0);
if (failed.length > 0) {
  console.log(`\ncheck-packages: ${failed.length} of ${rows.length} packages FAILED`);
  for (const row of failed) {
    for (const problem of row.problems) console.log(`  ${row.name}: ${problem}`);
  }
  process.exit(1);
}
console.log(`\ncheck-packages: all ${rows.length} packages passed`);
