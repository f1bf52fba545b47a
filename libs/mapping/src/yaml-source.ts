import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { MAX_YAML_ALIAS_COUNT } from './constants';
import type { MappingProblem, SourcePosition } from './types';

// Advice for the YAML mistakes that JSONata expressions provoke most.
const YAML_HINTS: Readonly<Record<string, string>> = {
  DUPLICATE_KEY: 'each key may appear once',
  BLOCK_AS_IMPLICIT_KEY:
    "a plain YAML value cannot contain ': ' (as in JSONata's ?: operator or an object constructor); quote the expression or use a block scalar (expr: |)",
  TAB_AS_INDENT: 'indent with spaces, not tabs',
};

/** A YAML file parsed with its source positions kept, so every problem can name its line. */
export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** A path into the document: map keys and sequence indexes. */
export type DocPath = readonly (string | number)[];

/** Parses YAML text; returns the source, or the syntax problems (with line and column). */
export function parseYaml(
  text: string,
  file: string,
): { source: YamlSource; data: unknown } | { problems: MappingProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((error) => {
        const at = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
        return {
          file,
          line: at.line,
          column: at.col,
          path: '',
          // prettyErrors appends " at line L, column C:" and a code frame; the position is ours.
          message: `YAML: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
          hint: YAML_HINTS[error.code],
        };
      }),
    };
  }
  const source = { file, doc, lines };
  try {
    return { source, data: doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT }) };
  } catch (err) {
    return { problems: [problemAt(source, [], `YAML: ${(err as Error).message}`)] };
  }
}

/**
 * Position of the node at `path` (of its key when `onKey`), or of the nearest ancestor that
 * exists: a missing property is reported where its parent is.
 */
export function positionOf(source: YamlSource, path: DocPath, onKey = false): SourcePosition {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      const valueStart = rangeStart(pair.value);
      offset = (last && onKey ? keyStart : (valueStart ?? keyStart)) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const at = source.lines.linePos(offset);
  return { file: source.file, line: at.line, column: at.col };
}

/** A problem located at `path` in the source. */
export function problemAt(
  source: YamlSource,
  path: DocPath,
  message: string,
  options: { hint?: string; onKey?: boolean } = {},
): MappingProblem {
  return {
    ...positionOf(source, path, options.onKey),
    path: displayPath(path),
    message,
    hint: options.hint,
  };
}

/** `['fields', 'amount', 'expr']` → `fields.amount.expr`; indexes as `[0]`. */
export function displayPath(path: DocPath): string {
  return path
    .map((segment, i) =>
      typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`,
    )
    .join('');
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null | undefined)?.range?.[0];
}
