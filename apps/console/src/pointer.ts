// A JSON value printed as indented lines, each line knowing the JSON pointer of the value it
// starts, so an error's pointer can be highlighted in the payload.

export interface Line {
  text: string;
  pointer: string;
}

const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

export function jsonLines(value: unknown): Line[] {
  const lines: Line[] = [];
  const walk = (v: unknown, pointer: string, indent: string, prefix: string, comma: string) => {
    if (Array.isArray(v) && v.length > 0) {
      lines.push({ text: `${indent}${prefix}[`, pointer });
      v.forEach((item, i) =>
        walk(item, `${pointer}/${i}`, `${indent}  `, '', i < v.length - 1 ? ',' : ''),
      );
      lines.push({ text: `${indent}]${comma}`, pointer });
    } else if (v !== null && typeof v === 'object' && Object.keys(v).length > 0) {
      const entries = Object.entries(v as Record<string, unknown>);
      lines.push({ text: `${indent}${prefix}{`, pointer });
      entries.forEach(([k, item], i) =>
        walk(
          item,
          `${pointer}/${escape(k)}`,
          `${indent}  `,
          `${JSON.stringify(k)}: `,
          i < entries.length - 1 ? ',' : '',
        ),
      );
      lines.push({ text: `${indent}}${comma}`, pointer });
    } else {
      lines.push({ text: `${indent}${prefix}${JSON.stringify(v)}${comma}`, pointer });
    }
  };
  walk(value, '', '', '', '');
  return lines;
}

/**
 * The pointer to highlight in the lines: the error's own, or (for a member that is missing) the
 * nearest enclosing value that exists.
 */
export function nearestPointer(lines: readonly Line[], pointer: string): string {
  const known = new Set(lines.map((l) => l.pointer));
  let p = pointer;
  while (p !== '' && !known.has(p)) p = p.slice(0, p.lastIndexOf('/'));
  return p;
}

/** Whether a line belongs to the value at `pointer` (the value itself or inside it). */
export function within(line: Line, pointer: string): boolean {
  return line.pointer === pointer || line.pointer.startsWith(`${pointer}/`);
}
