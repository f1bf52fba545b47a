/**
 * `exhub model`: the learned priority model. `generate-history` writes a synthetic outcome
 * history with a known hidden risk process, `train` fits a model on outcome records (JSONL of
 * {exception, outcome}) and writes a versioned model file, `evaluate` compares a model with the
 * policy-only score on the held-out part of the same seeded split.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadModelFile, loadPolicyFile, type LoadedPolicy } from '@exhub/prioritization';
import { generateHistory, HIDDEN_BAND, HIDDEN_BRAND } from '@exhub/prioritization';
import type { ReliabilityBin } from '@exhub/prioritization';
import type { SplitKind } from '@exhub/prioritization';
import {
  DEFAULT_TRAIN,
  evaluateModel,
  parseOutcomes,
  train,
  type Evaluation,
  type OutcomeRecord,
} from '@exhub/prioritization';
import { recordsFromStore } from './model-store';
import { openConfiguredStore } from './ops-shared';

const DEFAULT_POLICIES_DIR = 'policies';
const PRIORITY_POLICY_FILE = 'priority.yaml';
const DEFAULT_MODELS_DIR = 'models';
const MODEL_FILE_PREFIX = 'priority-lr-';

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

export function defaultPolicyFile(): string {
  return join(process.env.EXHUB_POLICIES_DIR || DEFAULT_POLICIES_DIR, PRIORITY_POLICY_FILE);
}

/** The policy without its model: training and evaluation compare against rules only. */
function policyOnly(file: string): LoadedPolicy {
  const loaded = loadPolicyFile(file, { withModel: false });
  return { ...loaded, model: undefined, policy: { ...loaded.policy, model: undefined } };
}

function intArg(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer of at least ${min}`);
    return n;
  };
}

function shareArg(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('must be between 0 and 1, e.g. 0.3');
  return n;
}

const f4 = (x: number): string => x.toFixed(4);

function reliabilityTable(title: string, bins: ReliabilityBin[]): string[] {
  const lines = [`  ${title}`, '    bin         n   predicted  observed'];
  for (const b of bins) {
    const range = `${b.from.toFixed(1)}-${b.to.toFixed(1)}`;
    lines.push(
      b.count
        ? `    ${range.padEnd(9)} ${String(b.count).padStart(5)}   ${b.meanPredicted.toFixed(3).padStart(9)}  ${b.observedRate.toFixed(3).padStart(8)}`
        : `    ${range.padEnd(9)} ${'0'.padStart(5)}           -         -`,
    );
  }
  return lines;
}

export function formatEvaluation(e: Evaluation, modelName: string): string[] {
  const rate = e.records ? ((100 * e.positives) / e.records).toFixed(1) : '0';
  return [
    `held-out records: ${e.records} (${e.positives} positive, ${rate}%)`,
    '',
    '                      AUC     Brier',
    `  model ${modelName.padEnd(13)} ${f4(e.model.auc)}  ${f4(e.model.brier)}`,
    `  policy only         ${f4(e.policy.auc)}  ${f4(e.policy.brier)}   (Brier after Platt scaling on the training part)`,
    `  difference         ${e.model.auc - e.policy.auc >= 0 ? '+' : ''}${f4(e.model.auc - e.policy.auc)} ${e.model.brier - e.policy.brier >= 0 ? '+' : ''}${f4(e.model.brier - e.policy.brier)}`,
    '',
    `agreement with the policy alone: the model alone gives the policy's tier to ${e.agreement.sameTier} of ${e.records} (${(100 * e.agreement.rate).toFixed(1)}%)`,
    ...(['p1', 'p2', 'p3', 'p4'] as const)
      .filter((t) => e.agreement.byPolicyTier[t].records > 0)
      .map(
        (t) =>
          `  policy ${t}: ${e.agreement.byPolicyTier[t].sameTier} of ${e.agreement.byPolicyTier[t].records} the same`,
      ),
    '',
    'calibration (reliability, 10 bins):',
    ...reliabilityTable('model', e.model.reliability),
    ...reliabilityTable('policy only', e.policy.reliability),
  ];
}

function splitArg(v: string): SplitKind {
  if (v !== 'time' && v !== 'random') throw new InvalidArgumentError('must be time or random');
  return v;
}

/**
 * The outcome records to train or evaluate on: a JSONL file (`--data`), or the store's own
 * outcomes (`--from-store`: decisions, workflow outcomes, source resolutions; EXHUB_STORE_URL).
 */
async function loadRecords(o: { data?: string; fromStore?: boolean }): Promise<{
  records: OutcomeRecord[];
  from: string;
}> {
  if (!!o.data === !!o.fromStore)
    throw new Error('give exactly one of --data <file> and --from-store');
  if (o.data) return { records: parseOutcomes(readFileSync(o.data, 'utf8'), o.data), from: o.data };
  const store = await openConfiguredStore();
  try {
    const r = await recordsFromStore(store);
    const who = Object.entries(r.byResolvedBy)
      .map(([k, n]) => `${n} by ${k}`)
      .join(', ');
    out(
      `read ${r.records.length} exceptions with outcomes from the store ${store.location} (outcomes: ${who || 'none'}${r.missingHistory ? `; ${r.missingHistory} without stored history, left out` : ''})`,
    );
    return { records: r.records, from: `the store ${store.location}` };
  } finally {
    await store.close();
  }
}

export function registerModelCommands(program: Command): void {
  const model = program
    .command('model')
    .description('the learned priority model: synthetic history, training, evaluation');

  model
    .command('generate-history')
    .description(
      `write a synthetic outcome history (JSONL) with a known hidden risk process the policy misses: ${HIDDEN_BRAND} chargebacks, above all at ${HIDDEN_BAND[0]}-${HIDDEN_BAND[1]}x materiality, escalate far more often`,
    )
    .requiredOption('--out <file>', 'JSONL file to write')
    .option('--n <count>', 'records', intArg('--n', 10), 5000)
    .option('--seed <n>', 'random seed', intArg('--seed', 0), 1)
    .option(
      '--policy <file>',
      'priority policy the exceptions are scored with',
      defaultPolicyFile(),
    )
    .action((o: { out: string; n: number; seed: number; policy: string }) => {
      const records = generateHistory(o.n, o.seed, policyOnly(o.policy));
      writeFileSync(o.out, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      out(`wrote ${records.length} outcome records to ${o.out} (seed ${o.seed})`);
    });

  model
    .command('train')
    .description('fit the model on outcome records and write a versioned model file')
    .option(
      '--data <file>',
      'JSONL outcome records: {"exception": {…, "detectedAt"}, "outcome": {…}}',
    )
    .option(
      '--from-store',
      "the store's own outcomes (EXHUB_STORE_URL): decisions, workflow outcomes and source resolutions; split by time unless --split says otherwise",
    )
    .option(
      '--split <kind>',
      'time (train on older, hold out the newest) or random (seeded)',
      splitArg,
    )
    .option('--version <v>', 'model version (default: today, YYYY.MM.DD)')
    .option('--out-dir <dir>', 'where model files go', DEFAULT_MODELS_DIR)
    .option('--seed <n>', 'seed of the held-out split', intArg('--seed', 0), DEFAULT_TRAIN.seed)
    .option('--test-share <x>', 'share of records held out', shareArg, DEFAULT_TRAIN.testShare)
    .option('--steps <n>', 'gradient steps', intArg('--steps', 1), DEFAULT_TRAIN.steps)
    .option(
      '--policy <file>',
      'priority policy (the baseline and the model inputs)',
      defaultPolicyFile(),
    )
    .option('--force', 'overwrite an existing model file of that version')
    .action(
      async (o: {
        data?: string;
        fromStore?: boolean;
        split?: SplitKind;
        version?: string;
        outDir: string;
        seed: number;
        testShare: number;
        steps: number;
        policy: string;
        force?: boolean;
      }) => {
        const version = o.version ?? new Date().toISOString().slice(0, 10).replace(/-/g, '.');
        const file = join(o.outDir, `${MODEL_FILE_PREFIX}${version}.json`);
        if (existsSync(file) && !o.force)
          throw new Error(`${file} exists; choose another --version or pass --force`);
        const { records } = await loadRecords(o);
        const splitKind = o.split ?? (o.fromStore ? 'time' : 'random');
        const started = Date.now();
        const { model: m, evaluation } = train(records, policyOnly(o.policy), {
          ...DEFAULT_TRAIN,
          seed: o.seed,
          testShare: o.testShare,
          steps: o.steps,
          version,
          split: splitKind,
        });
        mkdirSync(o.outDir, { recursive: true });
        writeFileSync(file, `${JSON.stringify(m, null, 2)}\n`);
        out(
          `trained ${m.name} ${version} on ${m.trainingWindow.records} records (${m.trainingWindow.from} .. ${m.trainingWindow.to}), ${m.features.length} features, ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        out(
          `wrote ${file} (with the training window's score distribution, the baseline of exhub_score_psi)`,
        );
        out('');
        for (const line of formatEvaluation(evaluation, m.name)) out(line);
      },
    );

  model
    .command('evaluate')
    .description(
      'AUC and calibration of a model against the policy-only score on the held-out split',
    )
    .option('--data <file>', 'JSONL outcome records')
    .option('--from-store', "the store's own outcomes (EXHUB_STORE_URL)")
    .requiredOption('--model <file>', 'model file (models/priority-lr-….json)')
    .option('--policy <file>', 'priority policy', defaultPolicyFile())
    .option('--json', 'print the evaluation as JSON')
    .action(
      async (o: {
        data?: string;
        fromStore?: boolean;
        model: string;
        policy: string;
        json?: boolean;
      }) => {
        const m = loadModelFile(o.model);
        const { records, from } = await loadRecords(o);
        const evaluation = evaluateModel(m, records, policyOnly(o.policy));
        if (o.json)
          return out(JSON.stringify({ name: m.name, version: m.version, ...evaluation }, null, 2));
        const how =
          m.training.split === 'time'
            ? `the newest ${m.training.testShare * 100}% held out`
            : `split seed ${m.training.seed}, ${m.training.testShare * 100}% held out`;
        out(`${m.name} ${m.version} on ${from} (${how})`);
        for (const line of formatEvaluation(evaluation, m.name)) out(line);
      },
    );
}
