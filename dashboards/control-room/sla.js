// An incident's SLA as the page shows it: which deadline applies now, how long is left, and
// whether it is breached. Pure functions of the incident and the clock.

/**
 * The deadline that applies to `inc` at `now`: a `new` incident must be assigned by
 * `sla.assign_by_ms`, an assigned or in-progress one resolved by `sla.resolve_by_ms`; a
 * resolved, closed or cancelled one has none (`kind: null`). Breached when the server lists
 * that deadline in `sla.breached` or when it has passed (the server marks it on its own tick).
 */
export function slaState(inc, now) {
  const breachedList = inc.sla?.breached ?? [];
  const kind = inc.status === 'new' ? 'assign'
    : inc.status === 'assigned' || inc.status === 'in_progress' ? 'resolve' : null;
  const due = kind === 'assign' ? inc.sla?.assign_by_ms : kind === 'resolve' ? inc.sla?.resolve_by_ms : null;
  if (!kind || typeof due !== 'number') {
    return { kind: null, due: null, left: null, breached: false, breachedAny: breachedList.length > 0 };
  }
  const left = due - now;
  return { kind, due, left, breached: breachedList.includes(kind) || left < 0, breachedAny: breachedList.length > 0 || left < 0 };
}

/** A duration as `m:ss` or `h:mm:ss` (its absolute value: the caller says left or overdue). */
export function fmtLeft(ms) {
  const s = Math.floor(Math.abs(ms) / 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
