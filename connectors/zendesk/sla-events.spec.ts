import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { slaRecords, type ZendeskMetricEvent } from './sla-events';

const events = (
  JSON.parse(readFileSync(join(__dirname, 'fixtures/ticket-metric-events.json'), 'utf8')) as {
    ticket_metric_events: ZendeskMetricEvent[];
  }
).ticket_metric_events;

describe('slaRecords (Zendesk SLA metric events → one SLA state per ticket)', () => {
  it('gives an applied calendar-hour target its due time: activation + target', () => {
    const [r] = slaRecords(events.filter((e) => e.id <= 926232157302));
    expect(r).toMatchObject({
      ticket_id: 35436,
      metric: 'reply_time',
      status: 'active',
      policy: { id: 25, title: 'Enterprise' },
      target_minutes: 60,
      business_hours: false,
      applied_at: '2026-03-02T08:00:00Z',
      due_at: '2026-03-02T09:00:00Z',
    });
  });

  it('says breached on a breach event, due at the breach, and fulfilled once fulfilled after it', () => {
    const breached = slaRecords(events.filter((e) => e.id <= 926232157305)).find(
      (r) => r.ticket_id === 35436,
    );
    expect(breached).toMatchObject({
      status: 'breached',
      breached_at: '2026-03-02T09:00:00Z',
      due_at: '2026-03-02T09:00:00Z',
    });
    const fulfilled = slaRecords(events).find((r) => r.ticket_id === 35436);
    expect(fulfilled).toMatchObject({ status: 'fulfilled', fulfilled_at: '2026-03-02T10:15:00Z' });
    // A deleted breach (Zendesk withdrew it) is no breach.
    const withdrawn = slaRecords(
      events
        .filter((e) => e.id <= 926232157305)
        .map((e) => (e.type === 'breach' ? { ...e, deleted: true } : e)),
    ).find((r) => r.ticket_id === 35436);
    expect(withdrawn?.status).toBe('active');
  });

  it('leaves the due time out for a business-hour target, and tickets with no SLA event out', () => {
    const records = slaRecords(events);
    expect(records.map((r) => r.ticket_id)).toEqual([35436, 35437]);
    const standard = records.find((r) => r.ticket_id === 35437);
    expect(standard).toMatchObject({ status: 'active', business_hours: true, target_minutes: 480 });
    expect(standard?.due_at).toBeUndefined();
  });

  it('puts the most pressing metric on top: breached before active, then the earliest due', () => {
    const twoMetrics: ZendeskMetricEvent[] = [
      ...events.filter((e) => e.id <= 926232157302),
      {
        id: 1,
        ticket_id: 35436,
        metric: 'requester_wait_time',
        instance_id: 1,
        type: 'apply_sla',
        time: '2026-03-02T08:00:00Z',
        sla: { target: 30, business_hours: false },
      },
    ];
    const [r] = slaRecords(twoMetrics);
    expect(r.metric).toBe('requester_wait_time');
    expect(r.due_at).toBe('2026-03-02T08:30:00Z');
    expect(r.metrics).toHaveLength(2);
  });
});
