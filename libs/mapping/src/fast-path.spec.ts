import jsonata from 'jsonata';
import { HubMetrics } from '@exhub/observability';
import { runCases } from './cases';
import { compileMapping } from './compile';
import { evaluateMapping, evaluationCounts } from './evaluate';
import { compileFast, FallBack, fastPathGap, repeatedCalls } from './fast-path';
import { HELPERS } from './helpers';
import { MappingRegistry } from './registry';
import { largeCamt053 } from './testing/large-statement';
import type { CompiledMapping } from './types';

const MAPPINGS_DIR = 'mappings';
const helpers = new Map(HELPERS.map((h) => [h.name, h.implementation]));

/** What JSONata itself gives, or its error code. */
async function viaJsonata(expr: string, input: unknown, bindings: Record<string, unknown>) {
  try {
    const compiled = jsonata(expr);
    for (const h of HELPERS) compiled.registerFunction(h.name, h.implementation);
    return { value: await compiled.evaluate(input, bindings) };
  } catch (err) {
    return { error: (err as { code?: string }).code ?? String(err) };
  }
}

/** What the fast path gives, 'fallback' when it hands the case to JSONata, or 'not compiled'. */
function viaFastPath(expr: string, input: unknown, bindings: Record<string, unknown>) {
  const fast = compileFast(jsonata(expr).ast(), helpers);
  if (!fast) return 'not compiled' as const;
  try {
    return { value: fast.run(input, bindings) };
  } catch (err) {
    if (err instanceof FallBack) return 'fallback' as const;
    throw err;
  }
}

const PAYLOAD = {
  id: 'evt_1',
  n: 3,
  f: 0.1,
  zero: 0,
  empty: '',
  t: true,
  nil: null,
  s: 'Hello World',
  ws: '  a \n b  ',
  d: { amount: 2500, currency: 'usd', reason: 'product_not_received', nested: { x: [1, 2] } },
  items: [
    { v: 1, k: 'a', tags: ['x', 'y'] },
    { v: 2, k: 'b', tags: ['z'] },
    { v: 3, k: 'c' },
  ],
  one: [{ v: 7 }],
  matrix: [
    [1, 2],
    [3, 4],
  ],
  strs: ['p', 'q'],
  obj: {},
  camel: 'insufficientFunds2Now',
  tags: ['billing', 'vip'],
  oneTag: ['vip'],
  noTags: [],
  url: 'https://x.zendesk.com/api/v2/tickets/123.json',
  refs: ['sub_1', 'INV-7', 42, 'pi_3'],
  // arrays met part way down a plain path
  deep: {
    rows: [
      { v: 1, tags: ['a'], o: { w: 'x' } },
      { v: 2, tags: [] },
      { v: [3, 4], o: { w: 'y' } },
    ],
    none: [],
    nested: [[{ v: 5 }], [{ v: 6 }, { v: 7 }]],
    one: [{ o: { w: 'z' } }],
  },
};

/**
 * Each expression is run by JSONata and by the fast path on the same input. Where the fast path
 * answers, the value must be the same; where JSONata fails, the fast path must hand over.
 */
const EXPRESSIONS = [
  // paths, sequences and singletons
  'id',
  'd.amount',
  'd.nested.x',
  'items.v',
  'items.tags',
  'one.v',
  'one',
  'matrix',
  'matrix.x',
  'missing.path',
  'items[0]',
  'items[-1].k',
  'items[1].tags',
  'items[v > 1].k',
  "items[k = 'b'].v",
  'items[tags].k',
  'items[[0, 2]].k',
  'strs[0]',
  's.length',
  '$',
  '$$.id',
  '$root.id',
  '$index',
  '$.d.currency',
  'items.(v * 2)',
  'items.($x := v; $x + 1)',
  // member walks (no filters): objects all the way, or an array on the way
  'd.amount.x',
  'nil.x',
  'obj.a.b',
  '$index.x',
  '$.d.nested.x',
  '$root.items.k',
  'd.constructor',
  'd.nested.toString',
  'd.__proto__',
  'd.nested.__proto__.x',
  'd.hasOwnProperty',
  "($o := {'__proto__': 1, 'a': 2}; [$o.a, $o.b])",
  'd.nested.valueOf.x',
  "($o := {'a': {'b': 1}}; $o.a.b)",
  "($o := {'a': items.v}; $o.a)",
  "($o := {'a': one.v}; $o.a)",
  "($o := {'a': [one]}; $o.a.v)",
  // literals and operators
  "'a' & 'b'",
  "id & '-' & n & '-' & f & '-' & t & '-' & nil & '-' & missing",
  "d & ''",
  "items.v & ''",
  'n + 1',
  'n - f',
  'n * 2',
  'n / 4',
  'n % 2',
  '-n',
  '-missing',
  'n + missing',
  "n + 'x'",
  's + 1',
  '1 / 0',
  'n > 2',
  'n <= 2',
  "s < 'a'",
  "n < 'a'",
  'missing < 1',
  'n = 3',
  "n = '3'",
  "d = {'amount': 2500}",
  'items.v = 2',
  'missing = missing',
  "id != 'x'",
  'n > 2 and s',
  'zero or empty',
  'missing and t',
  'nil or items',
  'obj or t',
  't ? 1 : 2',
  'zero ? 1 : 2',
  'missing ? 1',
  'items ? 1 : 2',
  'empty ?: s',
  'missing ?? n',
  'zero ?? n',
  "s ?: 'x'",
  "missing ?: nil ?: empty ?: 'last'",
  "items[v > 1].k ?: 'none'",
  "items[v > 5].k ?: 'none'",
  "nil ?? 'x'",
  "empty ?? 'x'",
  "items[v > 5].k ?? 'none'",
  '($x := 1; ($x := $x + 1) ?: 0)',
  '($x := 1; ($x := $x + 1) ?? 0)',
  "t ? t : 'no'",
  '[1, 2, [3, 4], missing, items.v]',
  '[]',
  "{'a': n, 'b': missing, 'c': items.v}",
  "{'a': 1, 'a': 2}",
  "{'b': missing, 'a': n, '1': s, 'c': {'d': items.v}}",
  "{s: 1, 'b': 2}",
  "{'_jsonata_lambda': 1}",
  '{id: 1}',
  '{n: 1}',
  // blocks and variables
  "($d := d; $d.amount & ' ' & $d.currency)",
  '($a := 1; ($a := 2; $a) + $a)',
  '($x := items[v > 5]; $exists($x))',
  // built-ins
  '$exists(d.amount)',
  '$exists(missing)',
  '$not(zero)',
  '$not(missing)',
  '$not(items)',
  '$boolean(obj)',
  "[obj ? 'y' : 'n', d ? 'y' : 'n', d.nested ?: 'none', obj ?: 'none', $not(obj), $not(d)]",
  "[obj or d, obj and d, {} ? 1 : 2, {'a': missing} ? 1 : 2, {'a': nil} ? 1 : 2]",
  'items[$ ? true].k',
  '$string(n)',
  '$string(f * 3)',
  '$string(d)',
  '$string(missing)',
  '$string(t)',
  '$lowercase(s)',
  '$uppercase(s)',
  '$lowercase(missing)',
  '$lowercase(n)',
  '$lowercase(strs)',
  '$trim(ws)',
  '$length(s)',
  '$substring(s, 6)',
  '$substring(s, -5, 3)',
  '$substring(s, 2, 0)',
  '$substring(missing, 1)',
  // by code point: a character beyond the BMP is one, a lone surrogate one too
  "$substring('a😀b😀c', 1, 3)",
  "$substring('a😀b😀c', -2)",
  "$substring('a😀b😀c', -9, 2)",
  "$length('a😀b😀c')",
  "$substring('x\uD800y', 1, 1)",
  "$length('x\uD800y')",
  '$substring(s, -1)',
  '$substring(s, 2.7, 2.2)',
  '$substring(s, -20, 3)',
  '$substring(s, 3, 100)',
  "$substringBefore(s, ' ')",
  "$substringBefore(s, 'q')",
  "$contains(s, 'World')",
  "$contains(missing, 'x')",
  "$replace(d.reason, '_', ' ')",
  "$replace(s, 'o', '0', 1)",
  "$replace(s, '', 'x')",
  "$replace(missing, 'a', 'b')",
  "$split(s, ' ')",
  "$split(s, 'o', 1)",
  "$join(strs, ', ')",
  '$join(strs)',
  "$join(s, '-')",
  "$join(items.k, '/')",
  "$join(items.v, '/')",
  "$join([missing], '/')",
  '$count(items)',
  '$count(missing)',
  '$count(s)',
  '$count(items.tags)',
  "$number('12.50')",
  '$number(t)',
  "$number('abc')",
  '$type(items)',
  '$type(nil)',
  '$type(d)',
  '$type(s)',
  '$append(strs, s)',
  '$append(missing, strs)',
  // `in`: strict equality with the right side or one of its items
  "'p' in strs",
  "'x' in strs",
  "'vip' in oneTag",
  "'vip' in noTags",
  "'vip' in missing",
  'missing in strs',
  "s in 'Hello World'",
  '3 in [1, 2, 3]',
  "'3' in [3]",
  'nil in [null]',
  "items.k in ['b']",
  "'b' in items.k",
  '7 in one.v',
  'd in [d]',
  "$not(s in ['a', 'b'])",
  "'billing' in tags or 'billing_dispute' in tags",
  // regex literals in $replace, $contains, $match and $split
  "$replace(s, /o/, '0')",
  "$replace(s, /O/i, '0')",
  "$replace(s, /o/, '0', 1)",
  "$replace(s, /o/, '0', 0)",
  "$replace(camel, /([a-z0-9])([A-Z])/, '$1 $2')",
  "$lowercase($replace(camel, /([a-z0-9])([A-Z])/, '$1 $2'))",
  "$replace(s, /(o)(r)?/, '[$2$1]')",
  "$replace(s, /(o)/, '$10')",
  "$replace(s, /l+/, '$$')",
  "$replace(s, /l+/, '$')",
  "$replace(s, /o/, '$0$0')",
  "$replace(s, /o/, '$9')",
  "$replace(camel, /([a-z0-9])([A-Z])/, '$1 $2', 1)",
  "$replace(s, /(o)(r)?/, '[$2$1]', 2)",
  "$replace(s, /o/, '$0$0$$', 1)",
  "$replace(s, /(o)/, '$10', 1)",
  "$replace(s, /d$/, 'D')",
  "$replace(s, /x*/, '-')",
  "$replace(s, /z/, '-')",
  "$replace(missing, /a/, 'b')",
  "$replace(n, /3/, 'x')",
  '$replace(s, /o/, n)',
  "$replace(url, /\\/api\\/v2\\/tickets\\/(\\d+)\\.json$/, '/agent/tickets/$1')",
  "$replace(s, /[\\s-]+/, '_')",
  '$contains(s, /^Hel/)',
  '$contains(s, /^x/)',
  '$contains(missing, /a/)',
  '$contains(strs, /p/)',
  '$contains(s, /x*/)',
  "refs[$type($) = 'string'][$contains($, /^(INV[-_]?\\d|in_)/)][0]",
  "refs[$type($) = 'string'][$contains($, /^sub_/)][0]",
  '$match(s, /o/)',
  '$match(s, /(l+)(o)/)',
  '$match(s, /(x)?o/)',
  '$match(s, /z/)',
  '$match(s, /o/, 1)',
  '$match(s, /o/, 0)',
  '$match(s, /o/)[1].index',
  '$match(s, /o/)[0].match',
  "$match(s & ' INV-12 x', /\\bINV[-_]?\\d[\\w-]*/)[0].match",
  '$match(missing, /a/)',
  "$match(s, 'o')",
  '$match(s, /x*/)',
  '$split(s, /\\s+/)',
  '$split(ws, /\\s+/)',
  '$split(s, /o/, 1)',
  '$split(s, /o/, 0)',
  '$split(s, /z/)',
  '$split(missing, /z/)',
  // $substringAfter, $error
  "$substringAfter(s, ' ')",
  "$substringAfter(s, 'q')",
  "$substringAfter(missing, 'x')",
  '$substringAfter(s, missing)',
  "$error('boom')",
  "n > 5 ? $error('too big') : 'ok'",
  // $toMillis without a picture, $fromMillis with a simple one
  "$toMillis('2026-03-14T09:30:00Z')",
  "$toMillis('2026-03-14T09:30:00.123+01:00')",
  "$toMillis('2026-03-14')",
  "$toMillis('2026')",
  "$toMillis('2026-02-30')",
  "$toMillis('14 March 2026')",
  '$toMillis(missing)',
  '$toMillis(n)',
  "$toMillis('March 14, 2026', '[MNn] [D], [Y]')",
  "$toMillis('2026-03-14T09:30:00Z') < $toMillis('2026-03-14T10:30:00+02:00')",
  '$fromMillis(1773480600123)',
  '$fromMillis(0)',
  '$fromMillis(-1)',
  '$fromMillis(253402300800000)',
  "$fromMillis(1773480600123, '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]Z')",
  "$fromMillis(1773480600123, '[D01]/[M01]/[Y0001] [H01]h[m01].[f001]')",
  "$fromMillis(1773480600123, '[Y]-[M]-[D]')",
  "$fromMillis(1773480600123, '[MNn] [D], [Y]')",
  "$fromMillis(1773480600123, '[Y0001]', '+0100')",
  '$fromMillis(missing)',
  "$fromMillis('1773480600123')",
  "$fromMillis($toMillis('2026-03-14T09:30:00Z') + $number('30') * 86400000, '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]Z')",
  // array constructors first or last in a path, $distinct
  "['a', 'b'].{ 'type': $, 'n': n }",
  "['a', 'b'].($ & '!')",
  '[n, s].$string($)',
  '[n, missing].$',
  '[].x',
  '[[1, 2], [3]].$',
  '[items.v].$',
  'items.[k, v]',
  'one.[v]',
  'items.[tags]',
  "items[k = 'z'].[v]",
  "items.($i := $; $distinct(tags[$ != 'z']).($t := $; ['x', 'y'].{ 'k': $, 't': $t, 'i': $i.k }))",
  "$distinct([1, 2, 1, 'a', 'a'])",
  '$distinct(items.tags)',
  '$distinct([d, d])',
  '$distinct(missing)',
  '$distinct(s)',
  '$distinct(noTags)',
  '$distinct(oneTag)',
  "$distinct([{'a': 1}, {'a': 1}, {'a': 2}])",
  "$distinct([[1], [1], {'0': 1}])",
  // positional bindings (tuple streams) and $zip
  'items#$i.k',
  'items#$i.($i & k)',
  'items#$i.tags#$j.($i & $j & $)',
  'items.tags#$j.$j',
  'items.tags#$j.($x := $; $x & $j)',
  '(t ? items : [one])#$t.(v + $t)',
  '(zero ? items : [one])#$t.(v + $t)',
  'missing#$i.x',
  'items[v > 1]#$i.(k & $i)',
  'one#$i.(v + $i)',
  'matrix#$i.($ + $i)',
  'd#$i.(amount + $i)',
  "items#$i.(v > 1 ? {'k': k, 'i': $i})",
  // the same positional name bound twice, a step without one after a bound step, one after a block
  'items#$i.tags#$i.($i & $)',
  'items#$i.tags.($i & $)',
  'items#$i.tags#$j.($k := $i; $j & $k)',
  "items#$i.tags#$j.($x := 'x'; $x & $i & $j)",
  "'a' & n & s & missing & d.amount & true & (s & 'x')",
  '$zip(strs, items.k)',
  '$zip(strs, s)',
  '$zip(strs, missing)',
  '$zip(noTags, strs)',
  '$zip(strs)',
  '$zip(strs, items.k).($[0] & $[1])',
  "$zip(items, items.k).($key := $[1]; $[0].(k & '=' & $key))",
  // `in` a literal list (made at compile time), array constructors pushing in place
  "s in ['x', 'Hello World']",
  "s in ['x', 'y']",
  "missing in ['x']",
  'n in [1, 2, 3]',
  "n in ['3', 4]",
  's in []',
  "strs in ['a', 'b']",
  "items.k in ['b', 'c']",
  "items[k in ['a', 'c']].v",
  "[strs, 'x', items.k, [n, s], missing, noTags]",
  '[items.v, [items.v], strs][1]',
  '[[]]',
  // blocks that bind nothing (no frame of their own), in and around blocks that do
  '(items.v)',
  '(n; s)',
  '(t ? items.v : missing)',
  '($x := 1; (n > 1 ? ($x + n) : s); ($x))',
  // a block's frame: a name it binds later reads its parent's until then
  "($x := 'outer'; ($y := $x; $x := 'inner'; $y & $x) & $x)",
  "($x := 'o'; (n > 5 ? $x := 'never' : 'skip'; $x))",
  "($x := 'o'; (missing ? $x := 'n'; $x))",
  "($x := 'o'; (n > 5 ? ($x := 'never'); $x))",
  '($a := 1; items.($a := $a + v; $a))',
  'items#$i.($i := $i + 10; $i)',
  "($x := 'o'; ($x := missing; $x))",
  "($x := 'o'; ($f := function() { $x }; $x := 'later'; $f()))",
  "($x := 'o'; items.($y := k; $x & $y))",
  "($x := 'outer'; (s; $x))",
  "($x := 'outer'; ($x := 'inner'); $x)",
  'items.(v > 1 ? k)',
  '(missing)',
  '()',
  // $trim: strings it leaves as they are, and those it changes
  "[$trim(s), $trim(' a'), $trim('a '), $trim('a  b'), $trim('a\tb'), $trim('a\nb'), $trim('a\r')]",
  "[$trim(''), $trim(' '), $trim('  '), $trim('a b c'), $trim('x')]",
  '$trim(missing)',
  // a plain path that meets an array part way (the rest of the path maps over it)
  'deep.rows.v',
  'deep.rows.tags',
  'deep.rows.o.w',
  'deep.none.v',
  'deep.nested.v',
  'deep.one.o.w',
  'deep.one.o',
  'deep.rows.missing.x',
  '($d := deep; $d.rows.o.w)',
  '($r := deep.rows; $r.o.w)',
  '($r := deep.rows; $r.v)',
  '($n := deep.nested; $n.v)',
  '($e := deep.none; $e.v)',
  "($w := {'a': deep.rows}; $w.a.tags)",
  '{"r": deep.rows.o.w, "n": deep.nested.v}',
  // lambdas bound in a block and called by name
  '($f := function($x) { $x * 2 }; $f(n))',
  '($f := function($x, $y) { $x & $y }; $f(s))',
  "($f := function($x) { $type($x) = 'object' ? $x.amount : $x }; [$f(d), $f(n), $f(missing)])",
  '($f := function($x) { $uppercase($x) }; $f(s))',
  "($f := function($x) { $x ? $lowercase($x) : 'none' }; [$f(s), $f(missing), $f(nil)])",
  '($f := function($x) { $x ? $lowercase($x) }; $f(missing))',
  '($k := 10; $f := function($x) { $x + $k }; $k := 20; $f(1))',
  '($x := 5; $f := function($x) { $x }; $f())',
  'd.($f := function() { amount }; $f())',
  "items.($f := function($t) { $t & k }; $f('-'))",
  "($ids := function($v) { $type($v) = 'object' ? [$v.amount, $v.currency] : [$v] }; $ids(d).('k:' & $))",
  "($ids := function($v) { [$v] }; $ids(noTags).('k:' & $))",
  '($f := function($x) { ($y := $x + 1; $y * 2) }; $f(n))',
  "($g := function($s) { ($s and $s != '') ? $replace($s, ' ', 'T') & 'Z' }; $g(s) & '|' & $g(empty))",
  "($ended := function($type, $still) { $not($still) ? { 'type': $type } }; [$ended('a', false), $ended('b', true)])",
  '($f := function($x) { $x + 1 }; $f(s))',
  '($f := function($x) { $x }; ($f := function($x) { $x * 3 }; $f(n)) + $f(n))',
  // $replace with a regex: its replacement text read once (group numbers, `$0`, `$$`, a group
  // the regex does not have, one that did not take part, a lone `$`), and the matches found the
  // way JSONata finds them
  "$replace(camel, /([a-z0-9])([A-Z])/, '$1 $2')",
  "$lowercase($replace(camel, /([a-z0-9])([A-Z])/, '$1 $2'))",
  "$replace(s, /(o)/, '[$0|$1|$2|$$|$]')",
  "$replace(s, /l/, '$1x')",
  "$replace(s, /(l)(x)?/, '<$2$1>')",
  "$replace(s, /(l)/, '$10')",
  "$replace(s, /((((((((((l))))))))))/, '$10|$11|$1')",
  "$replace(s, /o/, '$')",
  "$replace(s, /o$/, 'O')",
  "$replace(s, /d$/, '$0$0')",
  "$replace(s, /l+/, '')",
  "$replace(s, /x*/, 'y')",
  "$replace(s, /l*$/, 'y')",
  "$replace(s, /(?<first>H)/, '<$1>')",
  "$replace(s, /o/, 'X', 1)",
  "[$replace(s, /o/, '0'), $replace(s, /o/, '1'), $replace(s, /o/, '0')]",
  // objects built by constructors: nothing inherited, `__proto__` an own key
  "($o := {'a': 1}; [$o.constructor, $o.toString, $o.__proto__, $o.a])",
  "($o := {'__proto__': 1, 'constructor': 2}; [$o.__proto__, $o.constructor])",
  "$string({'b': 1, 'a': [1.5, true, null]})",
  "($o := {'a': {'b': 1}}; $exists($o.a.hasOwnProperty))",
  // numbers, booleans and null where a string is wanted
  "'x' & (0.1 + 0.2)",
  "'x' & 1e21 & ',' & 123456789012 & ',' & (1 / 3) & ',' & -0 & ',' & true & ',' & nil",
  '$string(-0) & $string(n / 7) & $string(false)',
  // frames: a name a block binds reads through to the frames above until its `:=` runs
  '($x := 1; ($x := $x + 1; $x) + $x)',
  '($y := 5; ($x := $y; $y := 2; [$x, $y]))',
  '($x := $y; $y := 2; [$x, $y])',
  '($a := 1; $f := function() { $a }; $a := 2; $f())',
  '($a := 1; (n > 1 ? ($b := 2) : ($c := 3)); [$a, $b, $c])',
  'items.($k := k; $v := v; $k & $v)',
  // tuple streams: positions, steps that give one item or none
  'items#$i.($i)',
  'items#$i.tags',
  'items#$i.tags.($i & $)',
  '(items)#$i.(k & $i)',
  '($x := 1; (items)#$i.($x := $x + $i; $x))',
  'd#$i.nested#$j.[$i, $j]',
  // the hub's helpers
  '$money(d.amount, d.currency)',
  '$money(d.amount, d.currency).value',
  '$epochToIso(1700000000)',
  "$money('x', 'usd')",
];

describe('compiled fast path: the same answers as JSONata', () => {
  const bindings = { root: PAYLOAD, index: 2 };

  it.each(EXPRESSIONS)('%s', async (expr) => {
    const expected = await viaJsonata(expr, PAYLOAD, bindings);
    const actual = viaFastPath(expr, PAYLOAD, bindings);
    if (actual === 'not compiled' || actual === 'fallback') {
      // Handing over is always allowed; the shapes mappings use most must not hand over (below).
      return;
    }
    expect('error' in expected ? expected : { value: expected.value }).toEqual({
      value: actual.value,
    });
    expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected.value));
  });

  it('answers the common shapes itself rather than handing them over', () => {
    const common = [
      'd.amount',
      'items.v',
      "items[k = 'b'].v",
      "($d := d; $d.amount & ' ' & $d.currency)",
      't ? 1 : 2',
      'empty ?: s',
      "{'a': n, 'c': items.v}",
      "{'b': missing, 'a': n, '1': s, 'c': {'d': items.v}}",
      "{s: 1, 'b': 2}",
      '[1, 2, [3, 4], items.v]',
      "$join(items.k, '/')",
      "$replace(d.reason, '_', ' ')",
      '$money(d.amount, d.currency)',
      'n > 2 and $exists(s)',
      "'p' in strs",
      "$not(s in ['a', 'b'])",
      "$replace(camel, /([a-z0-9])([A-Z])/, '$1 $2')",
      "$replace(s, /o/, '0', 1)",
      '$contains(s, /^Hel/)',
      "refs[$type($) = 'string'][$contains($, /^sub_/)][0]",
      '$match(s, /(l+)(o)/)[0].groups',
      '$split(s, /\\s+/)',
      "$substringAfter(s, ' ')",
      '($f := function($x) { $uppercase($x) }; $f(s))',
      "($f := function($x) { $x ? $lowercase($x) : 'none' }; [$f(s), $f(missing)])",
      "($ids := function($v) { [$v] }; $ids(s).('k:' & $))",
      "$toMillis('2026-03-14T09:30:00.123+01:00')",
      "$fromMillis(1773480600123, '[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]Z')",
      '$fromMillis(1773480600123)',
      "['a', 'b'].{ 'type': $, 'n': n }",
      'items.[k, v]',
      '$distinct(items.tags)',
      'items#$i.tags#$j.($i & $j & $)',
      'items#$i.tags#$i.($i & $)',
      'items#$i.tags.($i & $)',
      "items#$i.tags#$j.($x := 'x'; $x & $i & $j)",
      "'a' & n & s & missing & d.amount & true & (s & 'x')",
      '$zip(strs, items.k).($[0] & $[1])',
      "s in ['x', 'Hello World']",
      'deep.rows.o.w',
      '($r := deep.rows; $r.v)',
      "$trim('a  b') & $trim(s)",
      "items[k in ['a', 'c']].v",
      "[strs, 'x', items.k, [n, s], missing, noTags]",
      '(t ? items.v : missing)',
      '($x := 1; (n > 1 ? ($x + n) : s); ($x))',
    ];
    const handedOver = common.filter((expr) => {
      const r = viaFastPath(expr, PAYLOAD, bindings);
      return r === 'not compiled' || r === 'fallback';
    });
    expect(handedOver).toEqual([]);
  });

  it('answers $replace with a limit and group references itself (the compiled replacement text)', () => {
    const limited = [
      "$replace(camel, /([a-z0-9])([A-Z])/, '$1 $2', 1)",
      "$replace(s, /(o)(r)?/, '[$2$1]', 2)",
      "$replace(s, /o/, '$0$0$$', 1)",
      "$replace(s, /(o)/, '$10', 1)",
    ];
    expect(
      limited.filter((expr) => {
        const r = viaFastPath(expr, PAYLOAD, bindings);
        return r === 'not compiled' || r === 'fallback';
      }),
    ).toEqual([]);
  });

  it('hands JSONata what it does not cover: lambda values, recursion, ~>, an array as input', () => {
    const notCompiled = [
      'function($x){$x}(1)',
      '($f := function($x) { $x }; $f)',
      '($f := function($x) { $x }; $map(strs, $f))',
      '($f := function($n) { $n > 0 ? $f($n - 1) : 0 }; $f(3))',
      '($f := function($x) { $x }; $g := function($x) { $f($x) }; $g(1))',
      '($f := function($x) { $x }; $f := 3; $f)',
      '($f := function($x) <n:n> { $x }; $f(1))',
      '($f := function($x) { $x }; $g := function($f) { $f }; $g(1))',
      "$replace(s, 'o', /o/)",
      "$replace(s, /o/, function($m) { 'x' })",
      '$sum([1, 2])[/o/]',
      'items#$i[v > 1].k',
      '[items]#$i.$i',
      'items@$x.k',
      's ~> $lowercase',
      '$pad(s, 5)',
    ];
    expect(notCompiled.filter((e) => viaFastPath(e, PAYLOAD, bindings) !== 'not compiled')).toEqual(
      [],
    );
    expect(viaFastPath('id', [PAYLOAD], bindings)).toBe('fallback');
    // A lambda called where it is not bound (JSONata: T1006) is JSONata's to report.
    expect(viaFastPath('(($f := function() { 1 }; 0); $f())', PAYLOAD, bindings)).toBe('fallback');
  });

  it("hands a string past maxStringLength to JSONata's guarded built-ins", () => {
    const short = (expr: string) => {
      const fast = compileFast(jsonata(expr).ast(), helpers, 8);
      try {
        return fast?.run(PAYLOAD, bindings);
      } catch (err) {
        if (err instanceof FallBack) return 'fallback';
        throw err;
      }
    };
    expect(short('$lowercase(id)')).toBe('evt_1');
    expect(short('$lowercase(s)')).toBe('fallback'); // argument over the limit
    expect(short("$replace(id, /_/, '________')")).toBe('fallback'); // result over the limit
    expect(short("$join(strs, '-')")).toBe('p-q');
  });
});

describe('a ?: b and a ?? b', () => {
  it('evaluate `a` once, as long as it binds nothing', () => {
    let calls = 0;
    const counting = new Map([...helpers, ['tick', (v: unknown) => (calls++, v)] as const]);
    const run = (expr: string) => {
      calls = 0;
      const value = compileFast(jsonata(expr).ast(), counting)?.run(PAYLOAD, {});
      return { value, calls };
    };
    expect(run("$tick(s) ?: 'x'")).toEqual({ value: 'Hello World', calls: 1 });
    expect(run("$tick(empty) ?: 'x'")).toEqual({ value: 'x', calls: 1 });
    expect(run("$tick(s) ?? 'x'")).toEqual({ value: 'Hello World', calls: 1 });
    expect(run("$tick(missing) ?? 'x'")).toEqual({ value: 'x', calls: 1 });
    // With a `:=` in `a`, twice, as JSONata does.
    expect(run("($y := $tick(s)) ?: 'x'")).toEqual({ value: 'Hello World', calls: 2 });
  });
});

describe('memoized calls (FastOptions.memoize)', () => {
  const counted = () => {
    const calls: unknown[][] = [];
    const table = new Map([
      ...helpers,
      ['tick', (...args: unknown[]) => (calls.push(args), { got: args[0] })] as const,
      ['fail', () => (calls.push([]), { then: 1 })] as const,
    ]);
    const memoize = repeatedCalls(
      ['$tick(s)', '$tick(s)', '$tick(n, s)', '$fail()', '$fail()'].map((e) => jsonata(e).ast()),
      table,
      new Set(['tick', 'fail']),
    );
    const compile = (expr: string) =>
      compileFast(jsonata(expr).ast(), table, undefined, { memoize }) as {
        run: (input: unknown, bindings: object, memo?: unknown[][]) => unknown;
      };
    return { calls, compile, memoize };
  };

  it('are the calls of pure helpers made more than once, by name and number of arguments', () => {
    const { memoize } = counted();
    expect([...memoize.keys()].sort()).toEqual(['fail/0', 'tick/1']);
    const pureOnly = repeatedCalls(
      ['$tick(s)', '$tick(s)'].map((e) => jsonata(e).ast()),
      new Map([...helpers, ['tick', () => 1] as const]),
      new Set(),
    );
    expect(pureOnly.size).toBe(0);
    // $replace is one of the built-ins worth it; $lowercase costs less than the memo.
    const builtins = repeatedCalls(
      ["$replace(s, /a/, 'b')", "$replace(id, /a/, 'b')", '$lowercase(s)', '$lowercase(s)'].map(
        (e) => jsonata(e).ast(),
      ),
      helpers,
      new Set(),
    );
    expect([...builtins.keys()]).toEqual(['replace/3']);
  });

  it('compute a call once per list of arguments within one memo, every time without one', () => {
    const { calls, compile } = counted();
    const memo: unknown[][] = [];
    const a = compile('$tick(s)');
    const b = compile("[$tick(s), $tick(id), $tick(s).got & '!']");
    const first = a.run(PAYLOAD, {}, memo);
    expect(first).toEqual({ got: 'Hello World' });
    expect(b.run(PAYLOAD, {}, memo)).toEqual([first, { got: 'evt_1' }, 'Hello World!']);
    // The same result object, computed once for 'Hello World' and once for 'evt_1'.
    expect((b.run(PAYLOAD, {}, memo) as unknown[])[0]).toBe(first);
    expect(calls).toEqual([['Hello World'], ['evt_1']]);
    // A new memo (the next item) computes again; no memo, every call.
    a.run(PAYLOAD, {}, []);
    expect(calls).toHaveLength(3);
    a.run(PAYLOAD, {});
    a.run(PAYLOAD, {});
    expect(calls).toHaveLength(5);
  });

  it('tell -0 from 0, and keep no result of a call that hands over to JSONata', () => {
    const { calls, compile } = counted();
    const memo: unknown[][] = [];
    const tick = compile('$tick(n)');
    tick.run({ n: 0 }, {}, memo);
    tick.run({ n: -0 }, {}, memo);
    tick.run({ n: -0 }, {}, memo);
    tick.run({ n: 0 }, {}, memo);
    expect(calls.map(([v]) => Object.is(v, -0))).toEqual([false, true, true]);
    // `$fail` returns something like a promise: JSONata's, every time.
    const fail = compile('$fail()');
    expect(() => fail.run(PAYLOAD, {}, memo)).toThrow(FallBack);
    expect(() => fail.run(PAYLOAD, {}, memo)).toThrow(FallBack);
    expect(calls).toHaveLength(5);
  });

  it("are shared by an item's fields in evaluateMapping, never across items", async () => {
    const calls: unknown[] = [];
    const tick = (v: unknown) => (calls.push(v), `<${String(v)}>`);
    const source = (pure: boolean) =>
      compileMapping(
        [
          'id: test.memo',
          'description: x',
          'source: { system: test, objectType: t }',
          'each: items',
          'fields:',
          `  title: { expr: "$tick(k) & '!'", description: x }`,
          '  summary: { expr: "$tick(k)", description: x }',
          '  signals.v: { expr: "$tick(v)", description: x }',
        ].join('\n'),
        'test/memo.mapping.yaml',
        { functions: [{ name: 'tick', doc: 'x', implementation: tick, pure }] },
      );
    const payload = {
      items: [
        { k: 'a', v: 1 },
        { k: 'b', v: 2 },
        { k: 'a', v: 3 },
      ],
    };
    const memoized = await evaluateMapping(source(true), payload);
    expect(calls).toEqual(['a', 1, 'b', 2, 'a', 3]);
    calls.length = 0;
    const plain = await evaluateMapping(source(false), payload);
    expect(calls).toEqual(['a', 'a', 1, 'b', 'b', 2, 'a', 'a', 3]);
    expect(memoized).toEqual(plain);
    expect(memoized[2].fields).toEqual({ title: '<a>!', summary: '<a>', signals: { v: '<3>' } });
  });
});

describe('object constructors', () => {
  it('build objects that inherit nothing, with `__proto__` an own key like any other', () => {
    const value = viaFastPath("{'a': 1, '__proto__': 2, 'constructor': 3}", PAYLOAD, {});
    expect(value).not.toBe('fallback');
    const built = (value as { value: Record<string, unknown> }).value;
    expect(Object.keys(built)).toEqual(['a', '__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(built, '__proto__')?.value).toBe(2);
    expect(built.constructor).toBe(3);
    const plain = (viaFastPath("{'a': 1}", PAYLOAD, {}) as { value: Record<string, unknown> })
      .value;
    for (const inherited of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      expect(inherited in plain).toBe(false);
    }
    expect(JSON.stringify(plain)).toBe('{"a":1}');
  });
});

describe('every golden case of every shipped mapping, compiled and through JSONata', () => {
  it('gives identical outcomes both ways', async () => {
    const before = { ...evaluationCounts };
    // Wall-clock limits well above any real run: on a loaded machine JSONata's 50 ms default can
    // time out on one side only, which would compare the machine's load, not the two paths.
    const limits = { expressionTimeoutMs: 30_000, mappingTimeoutMs: 60_000 };
    const compiled = await runCases(MAPPINGS_DIR, { fastPath: true, limits });
    const countsAfterCompiled = { ...evaluationCounts };
    const interpreted = await runCases(MAPPINGS_DIR, { fastPath: false, limits });
    expect(compiled.length).toBeGreaterThan(0);
    expect(
      compiled.map(({ name, passed, error, actual }) => ({ name, passed, error, actual })),
    ).toEqual(
      interpreted.map(({ name, passed, error, actual }) => ({ name, passed, error, actual })),
    );
    // The compiled path really answered (not everything handed over to JSONata).
    expect(countsAfterCompiled.compiled - before.compiled).toBeGreaterThan(0);
  });

  it('maps a generated camt.053 of 90 entries the same both ways (the `each` tuple stream)', async () => {
    const limits = { expressionTimeoutMs: 30_000, mappingTimeoutMs: 60_000, eachTimeoutMs: 60_000 };
    const fast = await MappingRegistry.loadDir(MAPPINGS_DIR, { limits });
    const slow = await MappingRegistry.loadDir(MAPPINGS_DIR, { limits, fastPath: false });
    const id = 'iso20022.camt053-reconciliation-break';
    const { payload, breaks } = largeCamt053(90);
    const before = { ...evaluationCounts };
    const compiled = await evaluateMapping(fast.get(id) as CompiledMapping, payload);
    const after = { ...evaluationCounts };
    const interpreted = await evaluateMapping(slow.get(id) as CompiledMapping, payload);
    expect(compiled).toHaveLength(breaks);
    expect(compiled).toEqual(interpreted);
    expect(after.jsonata - before.jsonata).toBe(0); // `each` and every field compiled
  });

  it('compiles every shipped expression (a new shape not covered shows here)', async () => {
    const registry = await MappingRegistry.loadDir(MAPPINGS_DIR);
    const helperNames = new Map([
      ...helpers,
      ...registry.lookups.helpers().map((h) => [h.name, h.implementation] as const),
    ]);
    let total = 0;
    const notCompiled: string[] = [];
    for (const summary of registry.list()) {
      const mapping = registry.get(summary.id);
      if (!mapping) continue;
      const expressions = [mapping.match, mapping.each, ...mapping.fields.map((f) => f.expression)];
      for (const expression of expressions) {
        if (!expression) continue;
        total++;
        if (expression.fast) continue;
        const gap = fastPathGap(expression.jsonata.ast(), helperNames);
        notCompiled.push(`${mapping.id} ${expression.location}: ${gap}`);
      }
    }
    expect(total).toBeGreaterThan(100);
    expect(notCompiled).toEqual([]);
  });
});

describe('evaluateMapping with the fast path', () => {
  it('still names the field at fault when an expression fails', async () => {
    const mapping = compileMapping(
      `id: test.fails\ndescription: x\nsource: { system: test, objectType: t }\nfields:\n  title: { expr: name, description: x }\n  summary: { expr: "name + 1", description: x }\n`,
      'test/fails.mapping.yaml',
    );
    expect(mapping.fields[1].expression?.fast).toBeDefined();
    await expect(evaluateMapping(mapping, { name: 'n' })).rejects.toMatchObject({
      location: 'fields.summary',
      rule: 'jsonata:T2001',
    });
  });
});

describe('exhub_mapping_evaluations_total', () => {
  it('reports how many evaluations each path answered, read at scrape time', async () => {
    const metrics = new HubMetrics('test');
    metrics.mappingEvaluationSource = () => evaluationCounts;
    const mapping = compileMapping(
      `id: test.count\ndescription: x\nsource: { system: test, objectType: t }\nfields:\n  title: { expr: name, description: x }\n  summary: { expr: "$pad(name, 3)", description: x }\n`,
      'test/count.mapping.yaml',
    );
    const before = { ...evaluationCounts };
    await evaluateMapping(mapping, { name: 'n' });
    expect(evaluationCounts.compiled - before.compiled).toBe(1);
    expect(evaluationCounts.jsonata - before.jsonata).toBe(1);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      `exhub_mapping_evaluations_total{path="compiled"} ${evaluationCounts.compiled}`,
    );
    expect(text).toContain(
      `exhub_mapping_evaluations_total{path="jsonata"} ${evaluationCounts.jsonata}`,
    );
  });
});
