// The house drawn from the imports: core → db with no door → db arrow, SQL only in core/db, and no import cycles.
// Read with the TypeScript compiler's parser, so a comment or a string that looks like an import is not one.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = dirname(fileURLToPath(import.meta.url));

interface SourceInfo {
  /** Path relative to src-main, with forward slashes. */
  path: string;
  /** Module specifiers as written (type-only imports included: they are arrows in the drawing too). */
  imports: string[];
  /** Lines calling a method named `prepare` (a SQL statement, in this code base). */
  prepareCalls: number[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function read(file: string): SourceInfo {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const prepareCalls: number[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      imports.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
        imports.push(node.arguments[0].text);
      }
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'prepare') {
        prepareCalls.push(source.getLineAndCharacterOfPosition(node.getStart()).line + 1);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { path: relative(ROOT, file).split(sep).join('/'), imports, prepareCalls };
}

const FILES = sourceFiles(ROOT).map(read);
const KNOWN = new Set(FILES.map((f) => f.path));

/** The src-main file a relative specifier names, or null for a package or a file outside src-main. */
function target(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = relative(ROOT, resolve(ROOT, dirname(from), specifier))
    .split(sep)
    .join('/');
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) if (KNOWN.has(candidate)) return candidate;
  return null;
}

const isTest = (path: string): boolean => path.endsWith('.test.ts') || path.startsWith('core/test-support/');
const DOORS = ['electron/', 'server/', 'cli/'];

/** Strongly connected groups of more than one file (Tarjan), each a cycle of imports. */
function importCycles(edges: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (edges.get(v) ?? []).includes(v)) groups.push(group.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) connect(v);
  return groups;
}

describe('architecture', () => {
  it('reads the imports it checks (a broken reader would pass every rule)', () => {
    const api = FILES.find((f) => f.path === 'core/api.ts')!;
    expect(api.imports).toContain('./db/sqlite-store');
    expect(FILES.find((f) => f.path === 'core/db/sqlite/statements.ts')!.prepareCalls.length).toBeGreaterThan(0);
    expect(
      importCycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
  });

  it('has no import cycles', () => {
    const edges = new Map(
      FILES.map((f) => [f.path, f.imports.map((s) => target(f.path, s)).filter((t): t is string => t !== null)]),
    );
    expect(importCycles(edges)).toEqual([]);
  });

  it('has no import cycles between areas (core/boxes ↔ core/history is one, though no file imports itself back)', () => {
    // An area: a folder under core/ (core/boxes), or one of core's own files (core/api.ts). Tests are not part of
    // the house: a test may import test-support, which opens a whole core.
    const areaOf = (path: string): string => {
      const parts = path.split('/');
      return parts[0] === 'core' && parts.length > 2 ? `core/${parts[1]}` : path;
    };
    const edges = new Map<string, Set<string>>();
    for (const f of FILES.filter((file) => !isTest(file.path))) {
      const from = areaOf(f.path);
      const to = edges.get(from) ?? new Set<string>();
      for (const t of f.imports.map((s) => target(f.path, s))) if (t !== null && areaOf(t) !== from) to.add(areaOf(t));
      edges.set(from, to);
    }
    expect(importCycles(new Map([...edges].map(([k, v]) => [k, [...v]])))).toEqual([]);
  });

  it('keeps the doors (Electron, HTTP server, CLI) off the store and the cache', () => {
    const offenders = FILES.filter((f) => DOORS.some((d) => f.path.startsWith(d))).flatMap((f) =>
      f.imports
        .map((s) => target(f.path, s))
        .filter((t) => t !== null && (t.startsWith('core/db/') || t === 'core/cache-paths.ts'))
        .map((t) => `${f.path} imports ${t}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps SQL and better-sqlite3 in core/db (tests may read tables to check what was written)', () => {
    const outside = FILES.filter(
      (f) => !f.path.startsWith('core/db/') && !isTest(f.path),
    );
    const offenders = outside.flatMap((f) => [
      ...f.imports.filter((s) => s === 'better-sqlite3').map(() => `${f.path} imports better-sqlite3`),
      ...f.prepareCalls.map((line) => `${f.path}:${line} calls .prepare(`),
    ]);
    expect(offenders).toEqual([]);
  });

  it('gives domain code the store interface only; the SQLite implementation is chosen where the core is wired', () => {
    const concrete = ['core/db/sqlite-store.ts', 'core/db/open-database.ts'];
    const allowed = ['core/api.ts'];
    const offenders = FILES.filter(
      (f) => !f.path.startsWith('core/db/') && !isTest(f.path) && !allowed.some((a) => f.path.startsWith(a)),
    ).flatMap((f) =>
      f.imports
        .map((s) => target(f.path, s))
        .filter((t): t is string => t !== null && concrete.includes(t))
        .map((t) => `${f.path} imports ${t}`),
    );
    expect(offenders).toEqual([]);
  });
});
