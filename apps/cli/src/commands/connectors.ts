import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { restFiles, type Names } from './connectors-rest.template';
import { soapFiles } from './connectors-soap.template';
import { webhookFiles, type ScaffoldFiles } from './connectors-webhook.template';

const KINDS = ['rest', 'soap', 'webhook'] as const;
type Kind = (typeof KINDS)[number];
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const DEFAULT_CONNECTORS_DIR = 'connectors';
const MAPPINGS_FOLDER = 'mappings';
const EXIT_FAILED = 1;

export function namesOf(name: string): Names {
  const parts = name.split('-');
  return {
    name,
    pascal: parts.map((p) => p[0].toUpperCase() + p.slice(1)).join(''),
    upper: parts.map((p) => p.toUpperCase()).join('_'),
  };
}

/** The files of each kind. */
const TEMPLATES: Record<Kind, (n: Names) => ScaffoldFiles> = {
  rest: (n) => ({ connector: restFiles(n) }),
  soap: soapFiles,
  webhook: webhookFiles,
};

/**
 * Writes `<dir>/<name>/` for a connector of `kind` (and, for kinds with a mapping stub,
 * `<mappingsDir>/<name>/`, by default the `mappings` folder beside `dir`); returns the files
 * written. Refuses an existing folder (never overwrites).
 */
export function scaffoldConnector(
  name: string,
  kind: Kind,
  dir = DEFAULT_CONNECTORS_DIR,
  mappingsDir = join(dirname(dir), MAPPINGS_FOLDER),
): string[] {
  if (!NAME.test(name)) {
    throw new Error(
      `connector name "${name}" must be kebab-case, e.g. acme-erp (it becomes the folder, the type and the file prefix)`,
    );
  }
  const files = TEMPLATES[kind](namesOf(name));
  const roots: [string, Record<string, string> | undefined][] = [
    [join(dir, name), files.connector],
    [join(mappingsDir, name), files.mappings],
  ];
  for (const [root, content] of roots) {
    if (content && existsSync(root)) {
      throw new Error(`${root} already exists — pick another name or delete it`);
    }
  }
  const written: string[] = [];
  for (const [root, content] of roots) {
    for (const [file, text] of Object.entries(content ?? {})) {
      const path = join(root, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text, { flag: 'wx' });
      written.push(path);
    }
  }
  return written;
}

/** Formats the scaffolded files with the repository's Prettier config, as CI checks them. */
export async function prettify(files: string[]): Promise<void> {
  const prettier = await import('prettier');
  for (const file of files) {
    // A WSDL (or anything else Prettier has no parser for) is written as the template has it.
    if (!(await prettier.getFileInfo(file)).inferredParser) continue;
    const options = (await prettier.resolveConfig(file)) ?? {};
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
  }
}

/** `exhub connectors new <name> --kind rest|soap|webhook`. */
export function registerConnectorsCommands(program: Command): void {
  const connectors = program
    .command('connectors')
    .description('scaffold a new connector (the running ones: GET /v1/connectors on the hub)');
  connectors
    .command('new <name>')
    .description(
      'scaffold connectors/<name>/: connector, config schema, simulator, fixtures, contract-kit spec, README',
    )
    .addOption(new Option('--kind <kind>', 'what the source speaks').choices(KINDS).default('rest'))
    .option('--dir <dir>', 'connectors folder', DEFAULT_CONNECTORS_DIR)
    .option('--mappings-dir <dir>', 'mappings folder (default: the one beside --dir)')
    .action(async (name: string, opts: { kind: Kind; dir: string; mappingsDir?: string }) => {
      try {
        const files = scaffoldConnector(
          name,
          opts.kind,
          opts.dir,
          opts.mappingsDir ?? join(dirname(opts.dir), MAPPINGS_FOLDER),
        );
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
