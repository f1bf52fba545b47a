/**
 * Zendesk's SLA data as the Incremental Ticket Metric Event Export gives it
 * (`GET /api/v2/incremental/ticket_metric_events?start_time=…`): per ticket and metric
 * (reply_time, requester_wait_time, agent_work_time, …, with an `instance_id`), an `apply_sla`
 * event carries `sla: {target, business_hours, policy: {id, title, description}}` (target in
 * minutes), `activate` starts the clock, `breach` says the target passed, `fulfill` that it was
 * met. `slaRecords` folds one page of them into one record per ticket: the SLA state the hub maps
 * (mappings/zendesk/ticket-sla*.mapping.yaml).
 */
import { MS_PER_MINUTE } from '@exhub/core';

export interface ZendeskMetricEvent {
  id: number;
  ticket_id: number;
  metric: string;
  instance_id?: number;
  type: string;
  time: string;
  deleted?: boolean;
  sla?: {
    target?: number;
    target_in_seconds?: number;
    business_hours?: boolean;
    policy?: { id?: number; title?: string; description?: string };
  };
}

export type SlaStatus = 'breached' | 'active' | 'fulfilled';

/** The state of one SLA metric of a ticket. */
export interface TicketSlaMetric {
  metric: string;
  instance_id: number;
  status: SlaStatus;
  policy?: { id?: number; title?: string };
  target_minutes?: number;
  business_hours?: boolean;
  applied_at?: string;
  /**
   * When the target is (or was) due: the metric's activation (or, without one in this page, the
   * apply_sla time) plus the target, for calendar-hour targets; the breach time once breached.
   * Left out for business-hour targets, whose wall-clock time depends on the schedule.
   */
  due_at?: string;
  breached_at?: string;
  fulfilled_at?: string;
}

/** One ticket's SLA state: its metrics, and the most pressing one's fields at the top. */
export interface TicketSlaRecord extends TicketSlaMetric {
  ticket_id: number;
  /** The last metric event folded in (its id and time): the record's identity. */
  last_event_id: number;
  last_event_at: string;
  metrics: TicketSlaMetric[];
}

const RANK: Record<SlaStatus, number> = { breached: 0, active: 1, fulfilled: 2 };
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The SLA events of a page, folded per ticket (tickets without SLA events are left out). */
export function slaRecords(events: readonly ZendeskMetricEvent[]): TicketSlaRecord[] {
  const byTicket = new Map<number, ZendeskMetricEvent[]>();
  for (const e of [...events].sort(
    (a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id - b.id,
  )) {
    const list = byTicket.get(e.ticket_id) ?? [];
    list.push(e);
    byTicket.set(e.ticket_id, list);
  }
  const out: TicketSlaRecord[] = [];
  for (const [ticketId, list] of byTicket) {
    if (!list.some((e) => ['apply_sla', 'breach', 'fulfill'].includes(e.type))) continue;
    const metrics = new Map<string, ZendeskMetricEvent[]>();
    for (const e of list) {
      const key = `${e.metric}#${e.instance_id ?? 1}`;
      metrics.set(key, [...(metrics.get(key) ?? []), e]);
    }
    const states: TicketSlaMetric[] = [];
    for (const evs of metrics.values()) {
      const applied = evs.filter((e) => e.type === 'apply_sla' && e.sla).at(-1);
      const breach = evs.filter((e) => e.type === 'breach' && e.deleted !== true).at(-1);
      const fulfill = evs.filter((e) => e.type === 'fulfill').at(-1);
      if (!applied && !breach && !fulfill) continue;
      const activated = evs.find((e) => e.type === 'activate');
      const target =
        applied?.sla?.target ??
        (applied?.sla?.target_in_seconds !== undefined
          ? applied.sla.target_in_seconds / 60
          : undefined);
      const fulfilledLast =
        fulfill !== undefined &&
        Date.parse(fulfill.time) >=
          Math.max(...[applied, breach].map((e) => (e ? Date.parse(e.time) : 0)));
      const status: SlaStatus = fulfilledLast ? 'fulfilled' : breach ? 'breached' : 'active';
      const m: TicketSlaMetric = {
        metric: evs[0].metric,
        instance_id: evs[0].instance_id ?? 1,
        status,
      };
      if (applied?.sla?.policy)
        m.policy = { id: applied.sla.policy.id, title: applied.sla.policy.title };
      if (target !== undefined) m.target_minutes = target;
      if (applied?.sla?.business_hours !== undefined) m.business_hours = applied.sla.business_hours;
      if (applied) m.applied_at = applied.time;
      if (breach) {
        m.breached_at = breach.time;
        m.due_at = breach.time;
      } else if (applied && target !== undefined && applied.sla?.business_hours !== true) {
        const start =
          activated && Date.parse(activated.time) <= Date.parse(applied.time) ? activated : applied;
        m.due_at = iso(Date.parse(start.time) + target * MS_PER_MINUTE);
      }
      if (fulfill) m.fulfilled_at = fulfill.time;
      states.push(m);
    }
    if (!states.length) continue;
    const top = [...states].sort(
      (a, b) =>
        RANK[a.status] - RANK[b.status] ||
        Date.parse(a.due_at ?? '9999-12-31') - Date.parse(b.due_at ?? '9999-12-31'),
    )[0];
    const last = list.at(-1) as ZendeskMetricEvent;
    out.push({
      ...top,
      ticket_id: ticketId,
      last_event_id: last.id,
      last_event_at: last.time,
      metrics: states,
    });
  }
  return out;
}
