/**
 * `exhub priority explain <exception.json>`: scores one exception with the policy (and its model,
 * if the policy names one) and prints the features, the rules that fired, the factors, the tier
 * and the route.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  DIMENSIONS,
  PolicyScorer,
  ScoringRequestError,
  scoringInputFrom,
  loadModelFile,
  loadPolicyFile,
  type LoadedPolicy,
  type ModelMode,
  type Explanation,
  type ScoringInput,
} from '@exhub/prioritization';
import { defaultPolicyFile } from './model';

const out = (line = ''): void => void process.stdout.write(`${line}\n`);

function timeArg(v: string): Date {
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new InvalidArgumentError('must be an ISO 8601 time, e.g. 2026-11-20T12:00:00Z');
  return d;
}

/** A canonical exception, or `{"exception": …, "context": …}` to supply the hub's context. */
export function readScoringInput(file: string): ScoringInput & { detectedAt?: string } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return scoringInputFrom(data);
  } catch (err) {
    if (err instanceof ScoringRequestError)
      throw new Error(`${file} ${err.pointer || '/'}: ${err.message}`, { cause: err });
    throw err;
  }
}

interface ExplainOptions {
  policy: string;
  now?: Date;
  modelMode?: ModelMode;
  json?: boolean;
}

const MODES: readonly ModelMode[] = ['off', 'shadow', 'active'];

function modeArg(v: string): ModelMode {
  if (!(MODES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`must be one of ${MODES.join(', ')}`);
  return v as ModelMode;
}

/** The policy, with its model switched to `--model-mode` when one is given. */
function policyFor(o: ExplainOptions): LoadedPolicy {
  if (!o.modelMode) return loadPolicyFile(o.policy);
  const loaded = loadPolicyFile(o.policy, { withModel: false });
  const named = loaded.policy.model;
  if (!named) throw new Error(`${o.policy} /model: the policy names no model file to run`);
  const model =
    o.modelMode === 'off' ? undefined : loadModelFile(resolve(dirname(o.policy), named.file));
  return { ...loaded, model, policy: { ...loaded.policy, model: { ...named, mode: o.modelMode } } };
}

const sign = (p: number): string => `${p >= 0 ? '+' : '-'}${Math.abs(p).toFixed(2)}`.padStart(7);

export function formatExplanation(e: Explanation, input: ScoringInput): string[] {
  const p = e.priority;
  const f = e.features;
  const lines = [
    `${input.domain}.${input.type}: score ${p.score.toFixed(2)}, tier ${p.tier} (SLA target ${e.slaTarget}), route ${p.route}${e.team ? ` (${e.team})` : ''}`,
    `review: ${p.review.required ? `required — ${p.review.reason}` : 'not required'}`,
    `degraded: ${e.degradedReasons.length ? `yes — ${e.degradedReasons.join('; ')}` : 'no'}`,
    `scored by ${p.model.name} ${p.model.version} at ${p.scoredAt}`,
    '',
    'features:',
  ];
  for (const [k, v] of Object.entries(f.flat)) {
    if (v === undefined || (DIMENSIONS as readonly string[]).includes(k)) continue;
    lines.push(`  ${k.padEnd(22)} ${typeof v === 'number' ? Number(v.toFixed(3)) : v}`);
  }
  const ctx = Object.entries(f.context).filter(([, v]) => v !== undefined);
  if (ctx.length) {
    lines.push('context:');
    for (const [k, v] of ctx)
      lines.push(`  ${k.padEnd(22)} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  }
  lines.push('dimensions (0-1):');
  for (const d of DIMENSIONS) lines.push(`  ${d.padEnd(22)} ${p.dimensions[d]}`);
  lines.push(`rules fired: ${p.rulesFired.length ? p.rulesFired.join(', ') : 'none'}`);
  lines.push(`factors (they add up to ${p.score.toFixed(2)}):`);
  for (const x of p.factors) lines.push(`  ${sign(x.points)}  ${x.code.padEnd(34)} ${x.detail}`);
  if (e.shadow)
    lines.push(
      `shadow model ${e.shadow.model} ${e.shadow.version}: risk ${(e.shadow.probability * 100).toFixed(1)}%; if active it would add ${e.shadow.wouldAddPoints} points (tier ${e.shadow.wouldBeTier}, ${e.shadow.wouldBeTier === e.shadow.policyTier ? 'the same as' : 'not'} the policy's ${e.shadow.policyTier}) — not applied`,
    );
  return lines;
}

export function registerPriorityCommands(program: Command): void {
  const priority = program.command('priority').description('the priority policy and scorer');
  priority
    .command('explain')
    .description('score one exception and show features, rules, factors, tier and route')
    .argument(
      '<exception.json>',
      'a canonical exception, or {"exception": …, "context": {accountTier, arr, renewalDate, supplierCriticality, linkedOpenExceptions, recurrenceCount, …}}',
    )
    .option('--policy <file>', 'priority policy', defaultPolicyFile())
    .option('--now <time>', 'score as of this time (default: now)', timeArg)
    .option(
      '--model-mode <mode>',
      "what if the policy's model ran in this mode (off, shadow, active) instead of its own",
      modeArg,
    )
    .option('--json', 'print the result, features and shadow note as JSON')
    .action((file: string, o: ExplainOptions) => {
      const input = readScoringInput(file);
      const scorer = new PolicyScorer(policyFor(o));
      const e = scorer.explain(input, o.now ?? new Date());
      if (o.json) {
        const {
          priority: p,
          features,
          policyScore,
          modelProbability,
          shadow,
          degradedReasons,
          slaTarget,
          team,
        } = e;
        return out(
          JSON.stringify(
            {
              priority: p,
              features: { ...features.flat, context: features.context },
              policyScore,
              modelProbability,
              shadow,
              degradedReasons,
              slaTarget,
              team,
            },
            null,
            2,
          ),
        );
      }
      for (const line of formatExplanation(e, input)) out(line);
    });
}
