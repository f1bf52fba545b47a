/**
 * `exhub keys create | ls | revoke`: API keys for the hub's admin endpoints. Only a salted hash is
 * stored, so `create` is the one time the key is shown.
 */
import { Option, type Command } from 'commander';
import { API_KEY_ROLES, type ExceptionStore } from '@exhub/store';
import { EXIT, openConfiguredStore, printJson, table } from './ops-shared';

async function withStore(fn: (store: ExceptionStore) => Promise<void>): Promise<void> {
  const store = await openConfiguredStore();
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

async function create(flags: { role: string; name: string; json?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const key = await store.createApiKey(flags.role, flags.name);
    await store.appendAudit({
      actor: 'cli',
      action: 'api_key.created',
      details: { id: key.id, role: key.role, name: key.name },
    });
    if (flags.json) {
      printJson(key);
      return;
    }
    process.stdout.write(
      `${key.key}\n` +
        `created key ${key.id} (role ${key.role}, name "${key.name}") in ${store.location}\n` +
        'this is the only time the key is shown: store it now (send it as the x-api-key header)\n',
    );
  });
}

async function ls(flags: { json?: boolean }): Promise<void> {
  await withStore(async (store) => {
    const keys = await store.listApiKeys();
    if (flags.json) {
      printJson(keys);
      return;
    }
    if (keys.length === 0) {
      process.stdout.write(
        `no API keys in ${store.location} (exhub keys create --role … --name …)\n`,
      );
      return;
    }
    process.stdout.write(
      `${table([['ID', 'ROLE', 'NAME', 'CREATED'], ...keys.map((k) => [k.id, k.role, k.name, k.createdAt])])}\n`,
    );
  });
}

async function revoke(id: string): Promise<void> {
  await withStore(async (store) => {
    if (!(await store.revokeApiKey(id))) {
      process.stderr.write(`exhub: no API key ${id} in ${store.location} (see exhub keys ls)\n`);
      process.exitCode = EXIT.partial;
      return;
    }
    await store.appendAudit({ actor: 'cli', action: 'api_key.revoked', details: { id } });
    process.stdout.write(`revoked key ${id}\n`);
  });
}

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys for the admin endpoints, stored hashed (EXHUB_STORE_URL)');
  keys
    .command('create')
    .description('create a key and print it once')
    .addOption(
      new Option('--role <role>', 'what the key may do')
        .choices(API_KEY_ROLES)
        .makeOptionMandatory(),
    )
    .requiredOption('--name <name>', 'who or what uses the key')
    .option('--json', 'print the key and its record as JSON')
    .action(create);
  keys
    .command('ls')
    .description('list keys (id, role, name, created): never the key itself')
    .option('--json', 'print as JSON')
    .action(ls);
  keys.command('revoke <id>').description('delete a key: it stops working at once').action(revoke);
}
