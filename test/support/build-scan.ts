/**
 * What test code looks like in a build: the scan behind test/e2e/build/no-test-code.e2e-spec.ts
 * (run on dist/ after `npm run build`) and its unit spec (test/unit/build-scan.spec.ts, run on
 * temp dirs holding the old layout's files). Test code lives in `testing/` folders and `*.spec.ts`
 * files, which tsconfig.build.json and .dockerignore leave out; a production file that imports one
 * of them would still pull it in, and this scan finds that too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One file of the build that is, or pulls in, test code. */
export interface BuildOffence {
  /** Relative to the scanned directory, with `/` separators. */
  file: string;
  reason: string;
}

export interface BuildScan {
  /** Every file looked at (relative), so a caller can tell an empty build from a clean one. */
  files: string[];
  offences: BuildOffence[];
}

/** File names that are test code whatever folder they are in. */
const TEST_FILE_NAMES: ReadonlyArray<[RegExp, string]> = [
  [/(^|\.)simulator(-server)?\.(js|cjs|mjs|d\.ts)(\.map)?$/, 'a simulator'],
  [/^contract-kit\.(js|cjs|mjs|d\.ts)(\.map)?$/, 'a connector contract kit'],
  [/\.contract\.(js|cjs|mjs|d\.ts)(\.map)?$/, 'a contract suite'],
  [/\.(spec|e2e-spec|test)\.(js|cjs|mjs|d\.ts)(\.map)?$/, 'a test file'],
];
/** Files whose text is code that can import something. */
const CODE = /\.(js|cjs|mjs|d\.ts)$/;
/** `require("x")`, `import("x")`: how a CommonJS file (what tsc emits here) loads a module. */
const IMPORT_CALL = /\b(?:require|import)\s*\(\s*(['"`])([^'"`\n]+)\1/g;
/**
 * `from "x"`, `import "x"`: ES module statements. Looked for only in ES modules (.mjs, .d.ts, a
 * .js without tsc's CommonJS prologue): in a CommonJS file such text is inside a string, as in
 * the scaffolder's templates of a new connector's files.
 */
const IMPORT_STATEMENT = /(?:\bfrom\s*|\bimport\s+)(['"])([^'"\n]+)\1/g;
const COMMONJS = /^(?:#![^\n]*\n)?\s*["']use strict["']/;
/** Test runner packages a production file must never load. */
const TEST_PACKAGE = /^(@jest\/|jest$|jest-|@swc\/jest$)/;
/** A relative path through a `testing` folder (`./testing`, `../x/testing/simulator`). */
const TESTING_PATH = /^\.{1,2}\/(?:.*\/)?testing(?:\/|$)/;
/** A relative path to a module named as test code (`./simulator`, `../src/store.contract.js`). */
const TEST_MODULE_PATH =
  /^\.{1,2}\/(?:.*\/)?(?:simulator|simulator-server|contract-kit|[\w.-]+\.contract|[\w.-]+\.(?:spec|e2e-spec))(?:\.[cm]?js)?$/;

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name === 'node_modules') continue;
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile()) out.push(path);
  }
}

/** The reasons one file (its path relative to the build, and its text) is test code. */
export function offencesOf(file: string, text: string | undefined): string[] {
  const reasons: string[] = [];
  const segments = file.split('/');
  const name = segments[segments.length - 1];
  if (segments.slice(0, -1).includes('testing')) reasons.push('in a testing/ folder');
  for (const [pattern, what] of TEST_FILE_NAMES) if (pattern.test(name)) reasons.push(`is ${what}`);
  if (text !== undefined) {
    const specifiers = [...text.matchAll(IMPORT_CALL)].map((m) => m[2]);
    if (!(file.endsWith('.js') || file.endsWith('.cjs')) || !COMMONJS.test(text)) {
      specifiers.push(...[...text.matchAll(IMPORT_STATEMENT)].map((m) => m[2]));
    }
    for (const spec of specifiers) {
      if (TEST_PACKAGE.test(spec)) reasons.push(`imports the test runner's ${spec}`);
      else if (TESTING_PATH.test(spec)) reasons.push(`imports a testing/ path (${spec})`);
      else if (TEST_MODULE_PATH.test(spec)) reasons.push(`imports test code (${spec})`);
    }
  }
  return [...new Set(reasons)];
}

/** Every file under `dir` that is test code or imports it. */
export function scanBuild(dir: string): BuildScan {
  const paths: string[] = [];
  walk(dir, paths);
  const files = paths.map((p) => relative(dir, p).split(sep).join('/')).sort();
  const offences: BuildOffence[] = [];
  for (const file of files) {
    const text = CODE.test(file) ? readFileSync(join(dir, file), 'utf8') : undefined;
    for (const reason of offencesOf(file, text)) offences.push({ file, reason });
  }
  return { files, offences };
}

/** A .dockerignore pattern as a regular expression over `/`-separated paths (Docker's syntax). */
function dockerPattern(pattern: string): RegExp {
  let re = '';
  const p = pattern.replace(/^\/+|\/+$/g, '');
  for (let i = 0; i < p.length; i++) {
    if (p.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (p.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (p[i] === '*') re += '[^/]*';
    else if (p[i] === '?') re += '[^/]';
    else re += p[i].replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether a .dockerignore (its text) leaves `file` (relative to the context) out of the build
 * context: a pattern matching the file or one of its folders excludes it, a later `!pattern`
 * brings it back.
 */
export function dockerIgnores(dockerignore: string, file: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ keep: l.startsWith('!'), re: dockerPattern(l.replace(/^!/, '')) }));
  const parts = file.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.re.test(p))) ignored = !rule.keep;
  }
  return ignored;
}

/** The test code under `dirs` of a source tree: files in testing/ folders and specs. */
export function testSources(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) {
    const paths: string[] = [];
    walk(join(root, dir), paths);
    for (const p of paths) {
      const file = relative(root, p).split(sep).join('/');
      if (file.split('/').includes('testing') || /\.(spec|e2e-spec)\.ts$/.test(file))
        out.push(file);
    }
  }
  return out.sort();
}
