import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { restFiles, type Names } from './connectors-rest.template';

const KINDS = ['rest', 'soap', 'webhook'] as const;
type Kind = (typeof KINDS)[number];
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const DEFAULT_CONNECTORS_DIR = 'connectors';
const EXIT_FAILED = 1;

export function namesOf(name: string): Names {
  const parts = name.split('-');
  return {
    name,
    pascal: parts.map((p) => p[0].toUpperCase() + p.slice(1)).join(''),
    upper: parts.map((p) => p.toUpperCase()).join('_'),
  };
}

/**
 * Writes `<dir>/<name>/` for a connector of `kind`; returns the files written. Refuses an
 * existing folder (never overwrites) and kinds it cannot scaffold yet, with what to do instead.
 */
export function scaffoldConnector(
  name: string,
  kind: Kind,
  dir = DEFAULT_CONNECTORS_DIR,
): string[] {
  if (!NAME.test(name)) {
    throw new Error(
      `connector name "${name}" must be kebab-case, e.g. acme-erp (it becomes the folder, the type and the file prefix)`,
    );
  }
  if (kind !== 'rest') {
    throw new Error(
      `--kind ${kind} is not scaffolded yet: start from --kind rest, or copy connectors/${kind === 'webhook' ? 'stripe' : 'sap-s4'}/ (see connectors/README.md, "Adding a connector")`,
    );
  }
  const root = join(dir, name);
  if (existsSync(root)) throw new Error(`${root} already exists — pick another name or delete it`);
  const written: string[] = [];
  for (const [file, text] of Object.entries(restFiles(namesOf(name)))) {
    const path = join(root, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { flag: 'wx' });
    written.push(path);
  }
  return written;
}

/** Formats the scaffolded files with the repository's Prettier config, as CI checks them. */
export async function prettify(files: string[]): Promise<void> {
  const prettier = await import('prettier');
  for (const file of files) {
    const options = (await prettier.resolveConfig(file)) ?? {};
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
  }
}

/** `exhub connectors new <name> --kind rest|soap|webhook`. */
export function registerConnectorsCommands(program: Command): void {
  const connectors = program.command('connectors').description('scaffold and inspect connectors');
  connectors
    .command('new <name>')
    .description(
      'scaffold connectors/<name>/: connector, config schema, simulator, fixtures, contract-kit spec, README',
    )
    .option('--kind <kind>', `one of ${KINDS.join(', ')}`, 'rest')
    .option('--dir <dir>', 'connectors folder', DEFAULT_CONNECTORS_DIR)
    .action(async (name: string, opts: { kind: string; dir: string }) => {
      if (!(KINDS as readonly string[]).includes(opts.kind)) {
        process.stderr.write(`--kind must be one of ${KINDS.join(', ')}, not "${opts.kind}"\n`);
        process.exitCode = EXIT_FAILED;
        return;
      }
      try {
        const files = scaffoldConnector(name, opts.kind as Kind, opts.dir);
        await prettify(files);
        process.stdout.write(`${files.map((f) => `created ${f}`).join('\n')}\n`);
        process.stdout.write(
          `next: NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects unit --testPathPatterns ${join(opts.dir, name)}\n`,
        );
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = EXIT_FAILED;
      }
    });
}
