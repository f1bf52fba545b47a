/**
 * Scores the exceptions of a ranking bench run again under a policy file, without running the
 * hub: each item of the run's JSON (BENCH_RANKING_JSON) carries the scorer's input of its last
 * score (context included) and when it was scored; this scores it with the given policy (with the
 * scenario's period end as its close calendar, as run.ts does) and prints the same figures and
 * wrong pairs. It measures a change of the policy or of the scorer (libs/prioritization) on
 * exactly the same exceptions and context; a change of mappings, enrichment or the simulators
 * needs `npm run bench:ranking`.
 *
 *   node -r ./bench/swc-register.js bench/ranking/rescore.ts <run.json> [policy.yaml]
 *
 * RESCORE_JSON=<file> writes the rescored results in run.ts's shape (hub figures and items).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { PolicyScorer, parsePolicy } from '@exhub/prioritization';
import { figures, pairsOf, wrongPairs, type Item } from './figures';
import type { ScenarioResult } from './run';

function main(): void {
  const [runFile, policyFile = 'policies/priority.yaml'] = process.argv.slice(2);
  if (!runFile) throw new Error('usage: rescore.ts <run.json> [policy.yaml]');
  const results = JSON.parse(readFileSync(runFile, 'utf8')) as ScenarioResult[];
  const rescored: ScenarioResult[] = [];
  for (const r of results) {
    const doc = parseDocument(readFileSync(policyFile, 'utf8'));
    doc.setIn(
      ['closeCalendar', 'periodEnds'],
      [{ date: r.closeDate, label: 'scenario period end' }],
    );
    const scorer = new PolicyScorer(parsePolicy(doc.toString(), policyFile));
    let kept = 0;
    const items: Item[] = r.items.map((i) => {
      if (!i.scoring) {
        kept++;
        return i;
      }
      const p = scorer.score(i.scoring.input, new Date(i.scoring.at));
      return {
        ...i,
        score: p.score,
        degraded: i.degraded || p.degraded,
        factors: p.factors.map((f) => `${f.code} ${f.points}`).join(', '),
        dimensions: p.dimensions,
        rules: p.rulesFired,
      };
    });
    const { pairs, must } = pairsOf(items);
    const hub = [...items].sort((a, b) => b.score - a.score || a.seq - b.seq);
    const f = figures(hub, pairs, must);
    rescored.push({ ...r, rankers: { ...r.rankers, hub: f }, items: hub });
    const was = r.rankers.hub;
    const f3 = (x: number) => x.toFixed(3);
    process.stdout.write(
      [
        `## ${r.scenario} (tables ${r.tables}), ${items.length} exceptions${kept ? `, ${kept} kept their score (no scorer input recorded)` : ''}`,
        `hub as run:  ${f3(was.ndcg10)} / ${f3(was.ndcg20)} / ${f3(was.pairwise)} / ${f3(was.mustAbove)}`,
        `rescored:    ${f3(f.ndcg10)} / ${f3(f.ndcg20)} / ${f3(f.pairwise)} / ${f3(f.mustAbove)}   (NDCG@10 / NDCG@20 / pairwise / must-rank-above)`,
        ...wrongPairs(items, must, 8).map((w) => `  ${w}`),
        '',
      ].join('\n'),
    );
  }
  if (process.env.RESCORE_JSON)
    writeFileSync(process.env.RESCORE_JSON, `${JSON.stringify(rescored, null, 2)}\n`);
}

main();
