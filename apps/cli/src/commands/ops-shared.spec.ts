import { InvalidArgumentError } from 'commander';
import { EXIT, formatAge, isoTimeOption, rateOption, table } from './ops-shared';

describe('CLI helpers of replay and dlq', () => {
  it('formats ages with the two largest units', () => {
    expect(formatAge(undefined)).toBe('?');
    expect(formatAge(0)).toBe('0s');
    expect(formatAge(125)).toBe('2m5s');
    expect(formatAge(93_784)).toBe('1d2h');
    expect(formatAge(7_200)).toBe('2h');
  });

  it('reads --rate as events per second, with or without /s', () => {
    expect(rateOption('20')).toBe(20);
    expect(rateOption('2.5/s')).toBe(2.5);
    for (const bad of ['0', '-1', 'fast', '20/m']) {
      let error: unknown;
      try {
        rateOption(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).exitCode).toBe(EXIT.usage);
      expect((error as Error).message).toContain(`--rate "${bad}"`);
    }
  });

  it('names the flag and the expected format of a bad time', () => {
    expect(isoTimeOption('--to')('2026-03-14T09:30:00Z').toISOString()).toBe(
      '2026-03-14T09:30:00.000Z',
    );
    expect(() => isoTimeOption('--to')('14/03/2026')).toThrow(
      /--to "14\/03\/2026" is not an ISO 8601 time; expected e.g. 2026-03-14T09:30:00Z/,
    );
  });

  it('aligns table columns', () => {
    expect(
      table([
        ['CLASS', 'COUNT'],
        ['INVALID_PAYLOAD', '2'],
      ]),
    ).toBe('CLASS            COUNT\nINVALID_PAYLOAD  2');
  });
});
