/**
 * Every code block in the docs runs.
 *
 * Each ```ts block of README.md, docs/*.md and each package's README.md is
 * written to a file under .factline-tmp/ (inside the repository, so that
 * `@factline/*` resolve to the packages' sources as in every other test),
 * type-checked with the repository's compiler options, and imported: it must
 * not throw. A block
 * that cannot run is marked with `<!-- not-run -->` on the line before it; it
 * is still type-checked. Shell, SQL and other blocks are not TypeScript and
 * are not run.
 *
 * The SQL block marked `<!-- ddl: sqlite -->` in docs/protocol.md must be the
 * schema SqliteProvider creates, statement for statement.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteProvider } from '@factline/sqlite';
import { mysqlAvailable } from '@factline/testing/mysql';
import { postgresAvailable } from '@factline/testing/postgres';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const notRunMarker = '<!-- not-run -->';
const sqliteDdlMarker = '<!-- ddl: sqlite -->';
const typescriptLanguages = new Set(['ts', 'typescript']);

/** One fenced code block of a Markdown file. */
interface CodeBlock {
  /** The Markdown file, relative to the repository's root. */
  readonly doc: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  readonly language: string;
  readonly code: string;
  /** The last non-blank line before the fence, e.g. a marker comment. */
  readonly before: string;
}

/**
 * Finds the fenced code blocks of a Markdown text, indented ones included.
 *
 * @param doc The file's path, for messages.
 * @param markdown The text.
 * @returns The blocks, in order.
 */
function codeBlocks(doc: string, markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let before = '';
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (open === null) {
      if (line.trim() !== '') before = line.trim();
      continue;
    }
    const [, indent = '', fence = '', language = ''] = open;
    const opening = index + 1;
    const body: string[] = [];
    let closed = false;
    for (index++; index < lines.length; index++) {
      const current = lines[index] as string;
      if (current.trim().startsWith(fence) && current.trim().replace(/[`~]/g, '') === '') {
        closed = true;
        break;
      }
      body.push(current.startsWith(indent) ? current.slice(indent.length) : current.trimStart());
    }
    if (!closed) throw new Error(`${doc}:${opening}: this code fence is never closed.`);
    blocks.push({
      doc,
      line: opening,
      language: language.toLowerCase(),
      code: `${body.join('\n')}\n`,
      before,
    });
    before = '';
  }
  return blocks;
}

const guides = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
// Package READMEs are what npm shows: their blocks are checked too, though
// a short one may have nothing that runs on its own.
const packageReadmes = readdirSync(join(root, 'packages'))
  .sort()
  .map((name) => `packages/${name}/README.md`)
  .filter((doc) => existsSync(join(root, doc)));
const docs = [...guides, ...packageReadmes];
const blocks = docs.flatMap((doc) => codeBlocks(doc, readFileSync(join(root, doc), 'utf8')));
const typescriptBlocks = blocks.filter((block) => typescriptLanguages.has(block.language));
const runnableBlocks = typescriptBlocks.filter((block) => block.before !== notRunMarker);

// Asked when a block first needs it, not at import: the type-check test blocks
// the event loop for seconds, long enough to time a connection attempt out.
const servers = {
  postgres: once(postgresAvailable),
  mysql: once(mysqlAvailable),
};

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => {
    result ??= compute();
    return result;
  };
}

const directory = join(root, '.factline-tmp', `docs-${process.pid}-${Date.now()}`);
const fileOf = (block: CodeBlock) =>
  join(directory, `${block.doc.replace(/[^A-Za-z0-9]+/g, '-')}-line-${block.line}.ts`);

beforeAll(() => {
  mkdirSync(directory, { recursive: true });
  for (const block of typescriptBlocks) writeFileSync(fileOf(block), block.code);
});

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('the docs', () => {
  it.each(guides)('%s has TypeScript blocks that run', (doc) => {
    expect(runnableBlocks.filter((block) => block.doc === doc).length).toBeGreaterThan(0);
  });

  it('label every code block with its language', () => {
    const unlabelled = blocks.filter((block) => block.language === '');
    expect(unlabelled.map((block) => `${block.doc}:${block.line}`)).toEqual([]);
  });

  it('use the not-run marker only on TypeScript blocks', () => {
    const misplaced = blocks.filter(
      (block) => block.before === notRunMarker && !typescriptLanguages.has(block.language),
    );
    expect(misplaced.map((block) => `${block.doc}:${block.line}`)).toEqual([]);
  });

  it('type-check', () => {
    const files = new Map(typescriptBlocks.map((block) => [fileOf(block), block]));
    const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), undefined, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    });
    if (config === undefined) throw new Error('tsconfig.json could not be read.');
    const program = ts.createProgram({ rootNames: [...files.keys()], options: config.options });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const block = diagnostic.file === undefined ? undefined : files.get(diagnostic.file.fileName);
      if (block === undefined || diagnostic.file === undefined || diagnostic.start === undefined) {
        return `${diagnostic.file?.fileName ?? 'tsconfig'}: ${message}`;
      }
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return `${block.doc}:${block.line + 1 + line}: ${message}`;
    });
    expect(problems).toEqual([]);
  });

  it.for(runnableBlocks.map((block) => [`${block.doc}:${block.line}`, block] as const))(
    '%s runs',
    async ([, block], context) => {
      // A block that connects to a server runs where the provider suites run:
      // always in CI (FACTLINE_REQUIRE_SERVERS=1 fails without it), elsewhere when it answers.
      if (block.code.includes('POSTGRES_URL') && !(await servers.postgres())) context.skip();
      if (block.code.includes('MYSQL_URL') && !(await servers.mysql())) context.skip();
      await import(fileOf(block));
    },
  );
});

describe('docs/protocol.md', () => {
  it('shows the schema SqliteProvider creates, statement for statement', async () => {
    const marked = blocks.filter(
      (block) => block.doc === 'docs/protocol.md' && block.before === sqliteDdlMarker,
    );
    expect(marked.map((block) => block.language)).toEqual(['sql']);
    const documented = (marked[0] as CodeBlock).code
      .replace(/--.*$/gm, '')
      .split(';')
      .map((statement) => normalise(statement.replace(/\bIF NOT EXISTS\b/gi, '')))
      .filter((statement) => statement !== '');

    const provider = new SqliteProvider({ database: ':memory:' });
    try {
      await provider.migrate();
      const created = provider.database
        .prepare('SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid')
        .pluck()
        .all() as string[];
      expect(documented).toEqual(created.map(normalise));
    } finally {
      await provider.close();
    }
  });
});

/** One statement on one line: whitespace collapsed, none around brackets and commas. */
function normalise(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim();
}
