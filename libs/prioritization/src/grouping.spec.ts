import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { rootCauseOf, ruleOfKey } from './grouping';
import { PolicyError, loadPolicyFile, parsePolicy, type PriorityPolicy } from './policy';

const POLICY_FILE = join(__dirname, '../../../policies/priority.yaml');
const { policy } = loadPolicyFile(POLICY_FILE, { withModel: false });

const mismatch = (supplier: string | undefined, reasonCode?: string) => ({
  domain: 'finance',
  type: 'invoice_mismatch',
  parties: supplier ? [{ role: 'supplier', id: supplier }] : [],
  signals: reasonCode ? { reasonCode } : {},
});

describe('rootCauseOf', () => {
  it('derives one key for every invoice mismatch of one supplier with one reason code', () => {
    const a = rootCauseOf(mismatch('SUP-100', 'TAX_MISMATCH'), policy);
    expect(a).toEqual({
      key: 'supplier-master:SUP-100|TAX_MISMATCH',
      rule: 'supplier-master',
      parentType: 'vendor_master_discrepancy',
    });
    expect(rootCauseOf(mismatch('SUP-100', 'TAX_MISMATCH'), policy)?.key).toBe(a?.key);
    expect(rootCauseOf(mismatch('SUP-200', 'TAX_MISMATCH'), policy)?.key).not.toBe(a?.key);
    expect(rootCauseOf(mismatch('SUP-100', 'PRICE'), policy)?.key).not.toBe(a?.key);
  });

  it('gives no key when a part is missing or no entry matches', () => {
    expect(rootCauseOf(mismatch(undefined, 'TAX_MISMATCH'), policy)).toBeUndefined();
    expect(rootCauseOf(mismatch('SUP-100'), policy)).toBeUndefined();
    expect(
      rootCauseOf({ domain: 'support', type: 'sla_breach_risk', signals: {} }, policy),
    ).toBeUndefined();
  });

  it('prefers the key the mapping set, which stands even when the policy has no grouping', () => {
    const mapped = { ...mismatch('SUP-100', 'TAX_MISMATCH'), group: { key: 'sap:vendor:4711' } };
    expect(rootCauseOf(mapped, policy)).toEqual({ key: 'sap:vendor:4711' });
    const without: PriorityPolicy = { ...policy, grouping: undefined };
    expect(rootCauseOf(mapped, without)).toEqual({ key: 'sap:vendor:4711' });
    expect(rootCauseOf(mismatch('SUP-100', 'TAX_MISMATCH'), without)).toBeUndefined();
  });

  it('names the policy entry a key came from, or mapping', () => {
    expect(ruleOfKey('supplier-master:SUP-100|TAX_MISMATCH', policy)).toBe('supplier-master');
    expect(ruleOfKey('sap:vendor:4711', policy)).toBe('mapping');
    expect(ruleOfKey('no-colon', policy)).toBe('mapping');
  });

  it('refuses a grouping entry id used twice, naming its pointer', () => {
    const data = parse(readFileSync(POLICY_FILE, 'utf8')) as PriorityPolicy;
    data.grouping?.keys?.push({ ...data.grouping.keys[0] });
    expect(() => parsePolicy(stringify(data), 'p.yaml', null)).toThrow(PolicyError);
    expect(() => parsePolicy(stringify(data), 'p.yaml', null)).toThrow(
      /p\.yaml \/grouping\/keys\/2\/id: "supplier-master" is used twice/,
    );
  });
});
