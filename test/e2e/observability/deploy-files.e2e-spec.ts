/**
 * The deployment files agree with each other and with the metric catalogue. No broker needed; it
 * lives with the e2e tests because it checks files outside the code. `docker compose config` and
 * promtool run in scripts/test.sh; this catches what they cannot (a dashboard or alert querying a
 * metric that does not exist, a mounted file that is missing).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '../../..');
const DOCKER = join(ROOT, 'docker');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Families in docs/metrics.md, available or planned. */
function catalogued(): Set<string> {
  return new Set(
    [...read('docs/metrics.md').matchAll(/^\| `(exhub_[a-z0-9_]+)` \|/gm)].map((m) => m[1]),
  );
}

/** `exhub_…` names in a PromQL expression, without histogram suffixes. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bexhub_[a-z0-9_]+/g)].map((m) =>
    m[0].replace(/_(bucket|sum|count)$/, ''),
  );
}

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  volumes?: string[];
  environment?: Record<string, string>;
}

describe('docker/: compose, Prometheus, alerts and dashboard agree with the hub', () => {
  const compose = parse(read('docker/compose.yml')) as { services: Record<string, ComposeService> };

  it('runs RabbitMQ with the prometheus plugin, PostgreSQL, Prometheus, Grafana and the hub', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['grafana', 'hub', 'postgres', 'prometheus', 'rabbitmq'].sort(),
    );
    expect(compose.services.rabbitmq.image).toMatch(/^rabbitmq:3-management/);
    expect(read('docker/rabbitmq/enabled_plugins')).toMatch(
      /^\[rabbitmq_management,\s*rabbitmq_prometheus\]\.\s*$/,
    );
    const hub = compose.services.hub;
    expect(hub.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    expect(hub.environment?.AMQP_URL).toMatch(/@rabbitmq:5672$/);
    expect(hub.environment).toHaveProperty('STRIPE_WEBHOOK_SECRET');
  });

  it('mounts only files that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (!source.startsWith('.')) continue; // a named volume
        expect({ service: name, source, exists: existsSync(resolve(DOCKER, source)) }).toEqual({
          service: name,
          source,
          exists: true,
        });
      }
    }
  });

  it('builds a non-root image with a liveness healthcheck from two node:24-slim stages', () => {
    const dockerfile = read('docker/Dockerfile');
    expect(dockerfile.match(/^FROM node:24-slim AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/health\/live/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(dockerfile).toMatch(/npm run build/);
  });

  it('starts the hub with the same V8 young generation from every launcher, the bench and the tests included', () => {
    const semiSpace = (text: string) =>
      [...text.matchAll(/--max-semi-space-size=(\d+)/g)].map((m) => m[1]);
    const launchers = {
      dockerfile: semiSpace(read('docker/Dockerfile')),
      startSh: semiSpace(read('scripts/start.sh')),
      npmStart: semiSpace(
        (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start,
      ),
      bench: semiSpace(read('bench/hub-process.ts')),
      tests: semiSpace(read('test/support/hub-process.ts')),
    };
    const sizes = new Set(Object.values(launchers).flat());
    expect(Object.values(launchers).every((found) => found.length > 0)).toBe(true);
    expect([...sizes]).toHaveLength(1);
    // The size the README documents is the one shipped.
    expect(semiSpace(read('README.md'))).toContain([...sizes][0]);
  });

  it('copies into the image every data file the hub reads at its defaults, the model included', () => {
    const dockerfile = read('docker/Dockerfile');
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(\S+) \.\/(\S+)$/gm)].map((m) => m[1]);
    const policy = parse(read('policies/priority.yaml')) as { model?: { file?: string } };
    expect(policy.model?.file).toBeDefined();
    // The model file of the shipped policy, as a path under the repository root.
    const model = relative(ROOT, resolve(ROOT, 'policies', policy.model!.file!));
    const needed = ['schemas', 'mappings', 'policies', 'exhub.config.yaml', model.split('/')[0]];
    expect(needed).toContain('models');
    expect(copied).toEqual(expect.arrayContaining(needed));
  });

  it('scrapes the hub and RabbitMQ', () => {
    const prometheus = parse(read('docker/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = prometheus.scrape_configs.flatMap((c) =>
      c.static_configs.flatMap((s) => s.targets),
    );
    expect(targets).toEqual(expect.arrayContaining(['hub:3000', 'rabbitmq:15692']));
  });

  it('alerts only on catalogued metrics, and marks the rules on planned ones', () => {
    const docs = read('docs/metrics.md');
    const known = catalogued();
    const rules = (
      parse(read('docker/alerts.yml')) as {
        groups: { rules: { alert: string; expr: string; labels: Record<string, string> }[] }[];
      }
    ).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'ExhubDlqGrowing',
        'ExhubBreakerOpen',
        'ExhubPollLag',
        'ExhubP1BacklogPastSla',
        'ExhubP1BacklogAgingPastSla',
        'ExhubSlaBreachRate',
        'ExhubNothingProcessed',
      ]),
    );
    for (const rule of rules) {
      const names = metricsIn(rule.expr);
      for (const name of names)
        expect({ rule: rule.alert, name, known: known.has(name) }).toMatchObject({ known: true });
      const planned = names.some((n) =>
        new RegExp(`\\| \`${n}\` \\|[^\\n]*\\| planned \\|`).test(docs),
      );
      expect({ rule: rule.alert, planned: rule.labels.planned === 'true' }).toEqual({
        rule: rule.alert,
        planned,
      });
    }
  });

  it('has a unit test for every alert rule on available metrics', () => {
    const tests = read('docker/alerts.test.yml');
    const rules = (
      parse(read('docker/alerts.yml')) as {
        groups: { rules: { alert: string; labels: Record<string, string> }[] }[];
      }
    ).groups.flatMap((g) => g.rules);
    for (const rule of rules.filter((r) => r.labels.planned !== 'true')) {
      expect({ rule: rule.alert, tested: tests.includes(`alertname: ${rule.alert}`) }).toEqual({
        rule: rule.alert,
        tested: true,
      });
    }
  });

  it('provisions a dashboard whose queries use catalogued metrics', () => {
    const dashboard = JSON.parse(read('docker/grafana/dashboards/exhub.json')) as {
      __inputs: { name: string; type: string; pluginId: string }[];
      templating: { list: { name: string; type: string; query: string }[] };
      panels: {
        title: string;
        datasource?: { uid: string };
        targets?: { expr: string; datasource: { uid: string } }[];
      }[];
    };
    // Imports into any Prometheus: the import asks for one (__inputs), and every query uses the
    // dashboard's datasource variable, never a fixed uid.
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({
        name: 'DS_PROMETHEUS',
        type: 'datasource',
        pluginId: 'prometheus',
      }),
    ]);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const known = catalogued();
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      // A panel on a metric that exists is not titled as planned.
      expect(panel.title).not.toMatch(/planned/i);
      if (panel.datasource) expect(panel.datasource.uid).toBe('${datasource}');
      for (const target of panel.targets ?? []) {
        expect(target.datasource.uid).toBe('${datasource}');
        for (const name of metricsIn(target.expr)) {
          expect({ panel: panel.title, name, known: known.has(name) }).toMatchObject({
            known: true,
          });
          queried.add(name);
        }
      }
    }
    for (const name of [
      'exhub_stage_processed_total',
      'exhub_stage_duration_seconds',
      'exhub_queue_messages',
      'exhub_exceptions_published_total',
      'exhub_events_received_total',
    ]) {
      expect(queried).toContain(name);
    }
  });
});
