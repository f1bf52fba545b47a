import { parseSoql } from './soql';
import { SALESFORCE_DEFAULT_CASE_FILTER } from '../salesforce.constants';

const MILESTONES = 'Id IN (SELECT CaseId FROM CaseMilestone WHERE IsViolated = true)';
const ANTI = 'Id NOT IN (SELECT CaseId FROM CaseMilestone WHERE IsViolated = true)';

describe("the simulator's SOQL: semi-join placement as Salesforce enforces it", () => {
  it('refuses a semi-join or an anti-join under OR, at any depth', () => {
    for (const where of [
      `Priority = 'High' OR ${MILESTONES}`,
      `IsClosed = false AND (Priority = 'High' OR ${MILESTONES})`,
      // The connector's former default caseFilter, as the poll wrapped it.
      `SystemModstamp >= 2026-01-01T00:00:00Z AND ((IsEscalated = true OR Status = 'Escalated' OR Priority = 'High' OR ${MILESTONES}) OR IsClosed = true)`,
    ])
      expect(() => parseSoql(`SELECT Id FROM Case WHERE ${where}`)).toThrow(
        "Semi join sub-selects are not allowed with the 'OR' operator",
      );
    expect(() => parseSoql(`SELECT Id FROM Case WHERE IsClosed = true OR ${ANTI}`)).toThrow(
      "Anti join sub-selects are not allowed with the 'OR' operator",
    );
  });

  it('refuses a semi-join under NOT, and accepts one as a term of the top-level AND', () => {
    expect(() => parseSoql(`SELECT Id FROM Case WHERE NOT (${MILESTONES})`)).toThrow(
      /only allowed at the top level WHERE expressions/,
    );
    expect(parseSoql(`SELECT Id FROM Case WHERE IsClosed = false AND ${MILESTONES}`).where).toEqual(
      {
        and: [
          { field: 'IsClosed', op: '=', value: false },
          expect.objectContaining({ field: 'Id', negate: false }),
        ],
      },
    );
    expect(() => parseSoql(`SELECT Id FROM Case WHERE ${ANTI}`)).not.toThrow();
  });

  it("accepts the connector's default caseFilter the way the poll query wraps it", () => {
    const q = parseSoql(
      'SELECT Id FROM Case WHERE (SystemModstamp > 2026-01-01T00:00:00Z OR (SystemModstamp = ' +
        `2026-01-01T00:00:00Z AND Id > '500')) AND (${SALESFORCE_DEFAULT_CASE_FILTER} OR IsClosed = true)`,
    );
    expect(JSON.stringify(q.where)).toContain('"field":"EntitlementId","op":"!=","value":null');
  });
});
