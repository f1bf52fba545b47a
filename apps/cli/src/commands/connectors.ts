import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { camelOf, restFiles, type Names } from './connectors-rest.template';
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

/** The files of each kind, with the connector's definition (its type as data). */
const TEMPLATES: Record<Kind, (n: Names) => ScaffoldFiles> = {
  rest: (n) => withDefinition(n, 'poll', { connector: restFiles(n) }),
  soap: (n) => withDefinition(n, 'poll', soapFiles(n)),
  webhook: (n) => withDefinition(n, 'webhook', webhookFiles(n)),
};

/** The one list of connector types, in the connectors folder. */
export const DEFINITIONS_FILE = 'definitions.ts';
/** Where the scaffolder adds a type's line to that list. */
const LIST_END = /^\];[ \t]*$/m;

/** `definitionOf(name)`: the exported name of a connector's definition. */
const definitionName = (n: Names) => `${camelOf(n)}Definition`;

/** Adds `definition.ts` (type, kind, settings schema, lazy create) and its export from `index.ts`. */
function withDefinition(n: Names, kind: 'poll' | 'webhook', files: ScaffoldFiles): ScaffoldFiles {
  const camel = camelOf(n);
  const poll = kind === 'poll';
  const definition = `import type { ${poll ? 'PollConnectorDefinition' : 'WebhookConnectorDefinition'} } from '@exhub/connector-sdk';
${poll ? "import type { BreakerMetrics } from '@exhub/resilience';\n" : ''}import settingsSchema from './${n.name}.config.schema.json';

/** The ${n.name} connector type as data, listed in connectors/${DEFINITIONS_FILE}. */
export const ${definitionName(n)}: ${poll ? 'PollConnectorDefinition' : 'WebhookConnectorDefinition'} = {
  type: '${n.name}',
  kind: '${kind}',
  settingsSchema,
  // Loads the connector module only when an instance of this type runs.
  create: async ({ id, settings }${poll ? ', metrics' : ''}) =>
    (await import('./${n.name}.connector.js')).${camel}FromSettings(id, settings${poll ? ', metrics as BreakerMetrics | undefined' : ''}),
};
`;
  const index = files.connector['index.ts'] ?? '';
  return {
    ...files,
    connector: {
      ...files.connector,
      'definition.ts': definition,
      'index.ts': `${index}export { ${definitionName(n)} } from './definition';\n`,
    },
  };
}

/**
 * Adds the type's one line (and its import) to `<dir>/definitions.ts`, the list the hub builds its
 * factory tables and settings check from. Returns the file, or undefined when there is no list
 * (a folder outside the repository).
 */
export function registerDefinition(name: string, dir: string): string | undefined {
  const file = join(dir, DEFINITIONS_FILE);
  if (!existsSync(file)) return undefined;
  const n = namesOf(name);
  const text = readFileSync(file, 'utf8');
  if (!LIST_END.test(text)) {
    throw new Error(
      `${file}: no closing "];" of CONNECTOR_DEFINITIONS found; add ${definitionName(n)} to it by hand`,
    );
  }
  const imports = text.lastIndexOf('\nimport ');
  const afterImports = text.indexOf('\n', text.indexOf(';', imports)) + 1;
  const withImport = `${text.slice(0, afterImports)}import { ${definitionName(n)} } from './${n.name}/definition';\n${text.slice(afterImports)}`;
  writeFileSync(file, withImport.replace(LIST_END, `  ${definitionName(n)},\n];`));
  return file;
}

/** The hub's config schema, beside the connectors folder: its connector type enum is the list's. */
export const CONFIG_SCHEMA_FILE = join('schemas', 'exhub.config.schema.json');

/**
 * Adds the type to the connector type enum of the hub's config schema (generated from the list:
 * the same types, in the list's order), so a config entry of the new type validates. Returns the
 * file, or undefined when there is no schema beside `dir`.
 */
export function registerSchemaType(name: string, dir: string): string | undefined {
  const file = join(dirname(dir), CONFIG_SCHEMA_FILE);
  if (!existsSync(file)) return undefined;
  const schema = JSON.parse(readFileSync(file, 'utf8')) as {
    properties?: { connectors?: { items?: { properties?: { type?: { enum?: string[] } } } } };
  };
  const type = schema.properties?.connectors?.items?.properties?.type;
  if (!type?.enum) {
    throw new Error(
      `${file}: no connector type enum at /properties/connectors/items/properties/type/enum; add "${name}" to it by hand`,
    );
  }
  if (!type.enum.includes(name)) type.enum.push(name);
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  return file;
}

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
      'scaffold connectors/<name>/: connector, config schema, simulator (testing/), fixtures, contract-kit spec, README',
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
        const list = registerDefinition(name, opts.dir);
        const schema = list ? registerSchemaType(name, opts.dir) : undefined;
        const generated = [list, schema].filter((f): f is string => f !== undefined);
        await prettify([...files, ...generated]);
        for (const f of generated) process.stdout.write(`registered ${name} in ${f}\n`);
        process.stdout.write(`${files.map((f) => `created ${f}`).join('\n')}\n`);
        process.stdout.write(
          `next: NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects unit --testPathPatterns ${join(opts.dir, name)}; then its mapping in mappings/${name}/ and an instance in exhub.config.yaml\n`,
        );
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = EXIT_FAILED;
      }
    });
}
