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
import {
  DEFAULT_TRAIN,
  evaluateModel,
  parseOutcomes,
  train,
  type Evaluation,
} from '@exhub/prioritization';

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
    'calibration (reliability, 10 bins):',
    ...reliabilityTable('model', e.model.reliability),
    ...reliabilityTable('policy only', e.policy.reliability),
  ];
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
    .requiredOption(
      '--data <file>',
      'JSONL outcome records: {"exception": {…, "detectedAt"}, "outcome": {…}}',
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
      (o: {
        data: string;
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
        const records = parseOutcomes(readFileSync(o.data, 'utf8'), o.data);
        const started = Date.now();
        const { model: m, evaluation } = train(records, policyOnly(o.policy), {
          ...DEFAULT_TRAIN,
          seed: o.seed,
          testShare: o.testShare,
          steps: o.steps,
          version,
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
    .requiredOption('--data <file>', 'JSONL outcome records')
    .requiredOption('--model <file>', 'model file (models/priority-lr-….json)')
    .option('--policy <file>', 'priority policy', defaultPolicyFile())
    .option('--json', 'print the evaluation as JSON')
    .action((o: { data: string; model: string; policy: string; json?: boolean }) => {
      const m = loadModelFile(o.model);
      const records = parseOutcomes(readFileSync(o.data, 'utf8'), o.data);
      const evaluation = evaluateModel(m, records, policyOnly(o.policy));
      if (o.json)
        return out(JSON.stringify({ name: m.name, version: m.version, ...evaluation }, null, 2));
      out(
        `${m.name} ${m.version} on ${o.data} (split seed ${m.training.seed}, ${m.training.testShare * 100}% held out)`,
      );
      for (const line of formatEvaluation(evaluation, m.name)) out(line);
    });
}
