#!/usr/bin/env node
/* eslint-disable */
// The demo behind `npm run demo` (scripts/demo.sh prepares Node, the build and RabbitMQ first).
// Usage: node scripts/demo.js <build dir> [--scenario month-end-close|support-surge]. Everything
// it starts — the simulators of the polled sources the scenario drives (SAP, NetSuite, Salesforce,
// ServiceNow; in this process, from their sources in connectors/<name>/testing/), the hub (a child
// process, from the build), the topology on the broker (its own prefix) — it stops again on Ctrl-C
// or a few seconds after the scenario ends; logs and the store stay in a temp dir.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.resolve(root, process.argv[2] || 'dist');
const load = (file) => require(path.join(dist, file));
// The simulators are test code (connectors/<name>/testing/): never in the build, so the demo runs
// them from their sources, compiled in memory by SWC (bench/swc-register.js, a dev dependency).
let swcRegistered = false;
const loadSimulator = (name) => {
  if (!swcRegistered) require(path.join(root, 'bench/swc-register.js'));
  swcRegistered = true;
  return require(path.join(root, 'connectors', name, 'testing/index.ts'));
};

/** `--scenario <name>` (or `--scenario=<name>`) after the build dir; EXHUB_DEMO_SCENARIO else. */
function scenarioArg(args) {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--scenario') return args[i + 1];
    if (args[i].startsWith('--scenario=')) return args[i].slice('--scenario='.length);
  }
  if (args.length)
    throw new Error(
      `unknown option ${args[0]}; usage: npm run demo -- [--scenario month-end-close|support-surge]`,
    );
  return undefined;
}

const settings = {
  scenario: process.env.EXHUB_DEMO_SCENARIO || 'month-end-close',
  rate: Number(process.env.EXHUB_DEMO_RATE || 4),
  duration: process.env.EXHUB_DEMO_DURATION || '45s',
  seed: process.env.EXHUB_DEMO_SEED ? Number(process.env.EXHUB_DEMO_SEED) : undefined,
  linger: process.env.EXHUB_DEMO_LINGER || '10s',
  // The demo plays the day before the close (due dates cluster around it); the CLI's default is
  // the real last day of the month.
  closeDate: process.env.EXHUB_DEMO_CLOSE_DATE,
  pollSeconds: 2,
  top: 12,
};
/** Retry tiers of the demo's hub: short, so a failed event is seen again within the demo. */
const RETRY_DELAYS = '2s,10s,30s';
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 25_000;

const say = (line) => process.stderr.write(`exhub demo: ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A port chosen by the user in `name` (1–65535), or 0 = any free port. A bad value stops the demo
 * before anything is started.
 */
function portFromEnv(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return 0;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${name}="${raw}" must be a port number 1–65535 (unset: any free port)`);
  return port;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * The demo's connector instances: the webhooks always, each polled source whose simulator runs
 * (`sims`: driver id → the URL its connector is pointed at), polled every few seconds, and
 * Salesforce as the account lookup of support exceptions when it runs.
 */
function demoConfig(sims) {
  // Secret values stay ${VARIABLE} references, resolved by the hub from its environment.
  const poll = `      pollIntervalSeconds: ${settings.pollSeconds}
      startFrom: '${new Date().getUTCFullYear()}-01-01'`;
  const polled = {
    'sap-s4': (url) => `  - id: sap-s4
    type: sap-s4
    description: the SAP S/4HANA simulator the demo runs
    settings:
      baseUrl: ${url}
      username: \${SAP_S4_USER}
      password: \${SAP_S4_PASSWORD}
${poll}`,
    netsuite: (url) => `  - id: netsuite
    type: netsuite
    description: the NetSuite simulator the demo runs
    settings:
      endpoint: ${url}
      account: \${NETSUITE_ACCOUNT}
      consumerKey: \${NETSUITE_CONSUMER_KEY}
      consumerSecret: \${NETSUITE_CONSUMER_SECRET}
      tokenId: \${NETSUITE_TOKEN_ID}
      tokenSecret: \${NETSUITE_TOKEN_SECRET}
${poll}`,
    salesforce: (url) => `  - id: salesforce
    type: salesforce
    description: the Salesforce simulator the demo runs (cases, and account lookups)
    settings:
      loginUrl: ${url}
      clientId: \${SALESFORCE_CLIENT_ID}
      clientSecret: \${SALESFORCE_CLIENT_SECRET}
      accountExternalIdField: Zendesk_Organization_Id__c
      accountKeys:
        stripe: Stripe_Customer_Id__c
        servicenow: ServiceNow_Company__c
${poll}`,
    servicenow: (url) => `  - id: servicenow
    type: servicenow
    description: the ServiceNow simulator the demo runs
    settings:
      instanceUrl: ${url}
      auth: basic
      username: \${SERVICENOW_USER}
      password: \${SERVICENOW_PASSWORD}
      fetchTaskSla: true
${poll}`,
  };
  const instances = Object.entries(sims).map(([id, url]) => polled[id](url));
  return `# Written by scripts/demo.js for one demo run.
connectors:
  - id: stripe
    type: stripe
    settings:
      secrets: ['\${STRIPE_WEBHOOK_SECRET}']
  - id: iso20022
    type: iso20022
    settings:
      secrets: ['\${ISO20022_WEBHOOK_SECRET}']
  - id: zendesk
    type: zendesk
    settings:
      secrets: ['\${ZENDESK_WEBHOOK_SECRET}']
${instances.join('\n')}
${sims.salesforce ? 'enrichment:\n  account: salesforce\n' : ''}`;
}

async function waitReady(url, hub, logFile, signal) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (signal.aborted) throw new Error('interrupted');
    if (hub.exitCode !== null) {
      throw new Error(
        `the hub exited (code ${hub.exitCode}) before it was ready:\n${tail(logFile)}`,
      );
    }
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `${res.status} ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = err.cause?.code || err.message;
    }
    await sleep(500);
  }
  throw new Error(
    `the hub at ${url} was not ready within ${READY_TIMEOUT_MS / 1000}s (${last}); see ${logFile}`,
  );
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function main() {
  if (!fs.existsSync(path.join(dist, 'apps/cli/src/simulate/engine.js'))) {
    throw new Error(`no build of the CLI in ${dist}: run npm run build (or set EXHUB_DEMO_DIST)`);
  }
  settings.scenario = scenarioArg(process.argv.slice(3)) ?? settings.scenario;
  const { runSimulation, parseDuration } = load('apps/cli/src/simulate/engine.js');
  const { SIM_DRIVERS } = load('apps/cli/src/simulate/drivers/index.js');
  const { planScenario } = load('apps/cli/src/simulate/plan.js');
  const { SCENARIOS } = load('apps/cli/src/simulate/scenarios.js');
  const { loadReferenceData } = load('apps/cli/src/simulate/reference-data.js');
  const { fetchWorklist } = load('apps/cli/src/simulate/hub-client.js');
  const { watchWorklist, snapshot } = load('apps/cli/src/simulate/worklist-watch.js');
  const { formatSummary } = load('apps/cli/src/commands/simulate.js');
  const { randomSeed } = load('apps/cli/src/simulate/prng.js');
  const { buildTopology, deleteTopology } = load('libs/messaging/src/index.js');
  const { loadEnvSettings } = load('libs/config/src/index.js');

  const scenario = SCENARIOS[settings.scenario];
  if (!scenario)
    throw new Error(
      `unknown scenario ${settings.scenario}; known: ${Object.keys(SCENARIOS).join(', ')}`,
    );
  const durationMs = parseDuration(settings.duration);
  const lingerMs = parseDuration(settings.linger) ?? 10_000;
  if (!durationMs || !(settings.rate > 0))
    throw new Error('EXHUB_DEMO_RATE and EXHUB_DEMO_DURATION must be positive');
  const seed = settings.seed ?? randomSeed();
  const today = new Date();
  const closeDate = settings.closeDate
    ? new Date(`${settings.closeDate}T00:00:00Z`)
    : new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1));
  if (Number.isNaN(closeDate.getTime()))
    throw new Error('EXHUB_DEMO_CLOSE_DATE must be a date such as 2026-11-30');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'exhub-demo-'));
  const hubLog = path.join(tmp, 'hub.log');
  const simLog = path.join(tmp, 'simulate.log');
  const prefix = `demo${randomBytes(3).toString('hex')}`;
  const amqpUrl = process.env.AMQP_URL || 'amqp://guest:guest@localhost:5672';
  const secrets = {
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('hex')}`,
    ISO20022_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
    ZENDESK_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
  };
  // The polled sources the scenario drives: each simulator runs in this process, on a free port.
  // start() → { sim, connectorUrl (what the hub's instance points at), driverUrl (the driver's
  // *_SIM_URL), env (what the connector instance reads) }.
  const POLLED = {
    'sap-s4': {
      label: 'SAP S/4HANA',
      urlEnv: 'SAP_S4_SIM_URL',
      async start() {
        const m = loadSimulator('sap-s4');
        const sim = await m.SapS4Simulator.start({
          invoices: [],
          port: portFromEnv('SAP_S4_SIM_PORT'),
        });
        return {
          sim,
          connectorUrl: sim.baseUrl,
          driverUrl: `http://127.0.0.1:${new URL(sim.baseUrl).port}`,
          env: { SAP_S4_USER: m.SIMULATOR_USER, SAP_S4_PASSWORD: m.SIMULATOR_PASSWORD },
        };
      },
    },
    netsuite: {
      label: 'NetSuite',
      urlEnv: 'NETSUITE_SIM_URL',
      async start() {
        const m = loadSimulator('netsuite');
        const sim = await m.NetSuiteSimulator.start({
          bills: [],
          port: portFromEnv('NETSUITE_SIM_PORT'),
        });
        const c = m.SIMULATOR_CREDENTIALS;
        return {
          sim,
          connectorUrl: sim.endpoint,
          driverUrl: new URL(sim.endpoint).origin,
          env: {
            NETSUITE_ACCOUNT: c.account,
            NETSUITE_CONSUMER_KEY: c.consumerKey,
            NETSUITE_CONSUMER_SECRET: c.consumerSecret,
            NETSUITE_TOKEN_ID: c.tokenId,
            NETSUITE_TOKEN_SECRET: c.tokenSecret,
          },
        };
      },
    },
    salesforce: {
      label: 'Salesforce',
      urlEnv: 'SALESFORCE_SIM_URL',
      async start() {
        const m = loadSimulator('salesforce');
        const sim = await m.SalesforceSimulator.start({ port: portFromEnv('SALESFORCE_SIM_PORT') });
        return {
          sim,
          connectorUrl: sim.url,
          driverUrl: sim.url,
          env: {
            SALESFORCE_CLIENT_ID: m.SIMULATOR_CLIENT_ID,
            SALESFORCE_CLIENT_SECRET: m.SIMULATOR_CLIENT_SECRET,
          },
        };
      },
    },
    servicenow: {
      label: 'ServiceNow',
      urlEnv: 'SERVICENOW_SIM_URL',
      async start() {
        const m = loadSimulator('servicenow');
        const sim = await m.ServiceNowSimulator.start({
          incidents: [],
          taskSlas: [],
          port: portFromEnv('SERVICENOW_SIM_PORT'),
        });
        return {
          sim,
          connectorUrl: sim.instanceUrl,
          driverUrl: sim.instanceUrl,
          env: { SERVICENOW_USER: m.SIMULATOR_USER, SERVICENOW_PASSWORD: m.SIMULATOR_PASSWORD },
        };
      },
    },
  };
  const polledIds = planScenario(scenario, SIM_DRIVERS).drivers.filter((d) => POLLED[d]);

  // The topology the hub declares, as the hub builds it from its environment (the retry tiers
  // included): exactly what the cleanup deletes, so no `<prefix>.retry.*` queue is left behind.
  const started = { sims: [], hub: undefined, topology: undefined };
  const controller = new AbortController();
  let cleaning;
  const cleanup = () => (cleaning ??= stopAll());
  const stopAll = async () => {
    controller.abort();
    if (started.hub && started.hub.exitCode === null) {
      say('stopping the hub (it drains in-flight work first)…');
      const exited = new Promise((r) => started.hub.once('exit', r));
      started.hub.kill('SIGTERM');
      const timer = setTimeout(() => started.hub.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    for (const sim of started.sims) await sim.close().catch(() => undefined);
    try {
      const amqp = require(require.resolve('amqplib', { paths: [dist, root] }));
      const conn = await amqp.connect(amqpUrl);
      await deleteTopology(
        await conn.createChannel(),
        started.topology ?? buildTopology({ prefix }),
      );
      await conn.close();
    } catch (err) {
      say(`could not delete the demo's queues (prefix ${prefix}): ${err.message}`);
    }
  };
  // The first Ctrl-C ends the scenario and the watch; main() then stops what it started.
  process.on('SIGINT', () => {
    if (controller.signal.aborted) {
      say('second Ctrl-C: killing the hub');
      started.hub?.kill('SIGKILL');
      process.exit(130);
    }
    process.exitCode = 130;
    controller.abort();
  });

  try {
    const connectorUrls = {};
    const driverEnv = {};
    const simNames = [];
    for (const id of polledIds) {
      const s = await POLLED[id].start();
      started.sims.push(s.sim);
      connectorUrls[id] = s.connectorUrl;
      driverEnv[POLLED[id].urlEnv] = s.driverUrl;
      Object.assign(secrets, s.env);
      simNames.push(`${POLLED[id].label} on ${s.driverUrl}`);
    }
    const configFile = path.join(tmp, 'exhub.demo.yaml');
    fs.writeFileSync(configFile, demoConfig(connectorUrls));
    const port = portFromEnv('EXHUB_DEMO_PORT') || (await freePort());
    const hubUrl = `http://127.0.0.1:${port}`;
    const storeUrl = `sqlite:${path.join(tmp, 'exhub.db')}`;
    const hubEnv = {
      ...process.env,
      ...secrets,
      PORT: String(port),
      AMQP_URL: amqpUrl,
      EXHUB_CONFIG: configFile,
      EXHUB_STORE_URL: storeUrl,
      EXHUB_CURSOR_FILE: path.join(tmp, 'cursors.json'),
      EXHUB_TOPOLOGY_PREFIX: prefix,
      EXHUB_RETRY_DELAYS: RETRY_DELAYS,
      LOG_LEVEL: process.env.LOG_LEVEL || 'info',
    };
    const hubSettings = loadEnvSettings(hubEnv);
    started.topology = buildTopology({ prefix, retryDelaysMs: hubSettings.retryDelaysMs });
    say(
      `${simNames.length ? `simulators: ${simNames.join(', ')}; ` : ''}starting the hub on ${hubUrl} with queue prefix ${prefix} (log ${hubLog})…`,
    );
    const logFd = fs.openSync(hubLog, 'a');
    started.hub = spawn(process.execPath, [path.join(dist, 'apps/hub/src/main.js')], {
      cwd: root,
      env: hubEnv,
      stdio: ['ignore', logFd, logFd],
    });
    await waitReady(hubUrl, started.hub, hubLog, controller.signal);

    const key = spawnSync(
      process.execPath,
      [
        path.join(dist, 'apps/cli/src/main.js'),
        'keys',
        'create',
        '--role',
        'viewer',
        '--name',
        'demo',
        '--json',
      ],
      { cwd: root, env: hubEnv, encoding: 'utf8' },
    );
    if (key.status !== 0) throw new Error(`exhub keys create failed: ${key.stderr.trim()}`);
    const apiKey = JSON.parse(key.stdout).key;
    say(
      `viewer key created in ${storeUrl}; running ${scenario.name} at ${settings.rate}/s for ${settings.duration} (seed ${seed}, close ${closeDate.toISOString().slice(0, 10)})`,
    );

    let stats;
    let phase = 'running';
    const fetch = () =>
      fetchWorklist({
        hubUrl,
        apiKey,
        limit: settings.top,
        filters: { status: 'open' },
        timeoutMs: 5000,
      });
    const status = () => {
      if (!stats) return [`${scenario.name}: connecting…`];
      const s = stats;
      const rate = (s.done / Math.max(s.elapsedMs / 1000, 0.001)).toFixed(1);
      return [
        `${scenario.name} (seed ${seed}) ${phase}: ${s.sent}/${s.planned} sent · ${s.accepted + s.duplicate} accepted · ${s.rejected + s.failed} rejected · ${rate}/s${polledIds.length ? ` · ${polledIds.join(', ')} polled every ${settings.pollSeconds}s` : ''}`,
        phase === 'running'
          ? 'Ctrl-C stops the demo'
          : `stopping in a few seconds (Ctrl-C to stop now)`,
      ];
    };
    const tty = Boolean(process.stdout.isTTY);
    const watching = watchWorklist({
      fetch,
      title: `Exception Hub: live worklist, top ${settings.top} open by score`,
      intervalMs: tty ? 1000 : 10_000,
      status,
      signal: controller.signal,
    }).catch((err) => say(`worklist: ${err.message}`));

    const simLines = [];
    const result = await runSimulation({
      scenario,
      refs: await loadReferenceData(path.join(root, 'mappings')),
      seed,
      rate: settings.rate,
      durationMs,
      closeDate,
      hubUrl,
      env: { ...secrets, ...driverEnv },
      signal: controller.signal,
      onStart: (_plan, _sessions, s) => (stats = s),
      onProgress: (s) => (stats = s),
      onDelivery: (e, d) => {
        if (d.outcome !== 'accepted')
          simLines.push(
            `${e.seq} ${e.driver}/${e.kind} ${d.outcome} ${d.status ?? ''} ${d.detail ?? ''}`,
          );
      },
    });
    fs.writeFileSync(
      simLog,
      `${formatSummary(result, { scenario: scenario.name, seed, rate: settings.rate, duration: settings.duration })}${simLines.join('\n')}\n`,
    );
    if (!controller.signal.aborted) {
      phase = 'done';
      // The last polled records arrive with the next poll, and the pipeline needs a moment.
      await Promise.race([
        sleep(lingerMs),
        new Promise((r) => controller.signal.addEventListener('abort', r)),
      ]);
    }
    const last = await snapshot({
      fetch,
      title: `Exception Hub: worklist at the end, top ${settings.top} open by score`,
    }).catch(() => '');
    controller.abort();
    await watching;
    await cleanup();
    process.stdout.write(
      `\n${last}\n${formatSummary(result, { scenario: scenario.name, seed, rate: settings.rate, duration: settings.duration })}`,
    );
    say(
      `stopped everything it started. Logs: ${hubLog} (hub), ${simLog} (simulation); store ${storeUrl}`,
    );
  } catch (err) {
    await cleanup();
    say(err.message);
    say(`logs: ${hubLog}`);
    if (process.exitCode !== 130) process.exitCode = 1;
  }
}

void main();
