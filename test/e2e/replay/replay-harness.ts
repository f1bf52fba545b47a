/**
 * An in-process hub on a FIXED topology prefix and mappings folder, so a test can stop it and
 * start it again on the same queues (to pick up edited mappings) — hub-harness.ts always starts
 * on a fresh prefix and deletes it on close. Deleting the topology is separate here.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { Secret, loadEnvSettings } from '@exhub/config';
import { createHubApp } from '../../../apps/hub/src/create-app';
import { createRuntime, type HubRuntime } from '../../../apps/hub/src/hub-runtime';
import { AMQP_URL, STRIPE_SECRET } from '../hub/hub-harness';

export const REPO = join(__dirname, '../../..');
export const CLI = join(REPO, 'dist/apps/cli/src/main.js');

export interface RunningHub {
  rt: HubRuntime;
  app: NestFastifyApplication;
  request(
    method: 'GET' | 'POST',
    path: string,
    body?: Buffer | string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Stop HTTP and the worker, close the broker connection; the topology stays. */
  stop(): Promise<void>;
}

export function randomPrefix(): string {
  return `t-replay-${randomBytes(4).toString('hex')}`;
}

export async function startHubOn(prefix: string, mappingsDir: string): Promise<RunningHub> {
  const env = loadEnvSettings({
    ...process.env,
    AMQP_URL,
    EXHUB_TOPOLOGY_PREFIX: prefix,
    // One store per hub under test: webhook ids and versions from other runs must not leak in.
    EXHUB_STORE_URL: 'sqlite::memory:',
    EXHUB_MAPPINGS_DIR: mappingsDir,
  });
  const rt = await createRuntime(env, 'e2e', {
    logger: pino({ level: process.env.E2E_LOG_LEVEL ?? 'silent' }),
    connectors: [
      {
        id: 'stripe',
        type: 'stripe',
        enabled: true,
        settings: { secrets: [new Secret(STRIPE_SECRET, 'test')], toleranceSeconds: 300 },
      },
    ],
  });
  const app = await createHubApp(rt);
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  return {
    rt,
    app,
    async request(method, path, body, headers = {}) {
      const r = await fastify.inject({ method, url: path, payload: body, headers });
      return { status: r.statusCode, json: r.body ? JSON.parse(r.body) : {} };
    },
    stop: () => app.close(),
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the built `exhub` CLI (npm run build first) against the given prefix and mappings. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} does not exist — run \`npm run build\` before the e2e tests`);
  }
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: REPO, env: { ...process.env, AMQP_URL, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : Number.NaN;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
