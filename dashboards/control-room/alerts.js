// The alert panel: the open alerts by severity (live, from the `alerts` stream), acknowledge
// with a comment, open an incident from an alert, each alert's notification status, and the
// history tab. Owns its list of open alerts.
import { currentLang, fmtTime, t } from './i18n.js';

export const SEVERITIES = ['critical', 'major', 'minor', 'warning'];

/** How often the notification status of the open alerts is asked again (their deliveries
 *  retry without the alert changing, so the stream does not say). */
const NOTES_REFRESH_MS = 30_000;
/** At most this many open alerts have their notifications fetched: one request each. */
const NOTES_MAX = 30;

const $ = (sel) => document.querySelector(sel);

/**
 * Each channel's latest notification (`notifications` of `GET /api/v1/alerts/{id}`, oldest
 * first) as `{channel, state: 'delivered'|'retrying'|'pending', text}`, e.g. "webhook: delivered
 * 10:02" or "email: retrying (3) — connection refused". A pure function of the list.
 */
export function notificationSummary(list = []) {
  const latest = new Map();
  for (const n of list) latest.set(n.channel, n);
  return [...latest.values()].map((n) => {
    if (n.delivered_ms) {
      return { channel: n.channel, state: 'delivered', text: `${n.channel}: ${t('n_delivered')} ${fmtTime(n.delivered_ms).slice(0, 5)}` };
    }
    if (n.last_error) {
      return { channel: n.channel, state: 'retrying', text: `${n.channel}: ${t('n_retrying')} (${n.attempts}) — ${n.last_error}` };
    }
    return { channel: n.channel, state: 'pending', text: `${n.channel}: ${t('n_pending')}` };
  });
}

/**
 * `api(path, init)` makes authenticated requests; `districtName(id)` labels district subjects;
 * `incidentOf(alertId)` is the open incident linked to an alert (or null),
 * `canOpenIncident()` whether this caller may open one, `onOpenIncident(alertId)` opens it.
 */
export function createAlertPanel({ api, districtName, incidentOf = () => null, canOpenIncident = () => false, onOpenIncident = () => {} }) {
  const open = new Map(); // alert id → alert
  const notes = new Map(); // alert id → { at: ms fetched, list: notifications }

  function subjectLabel(a) {
    const [kind, id] = a.subject.split(':');
    if (kind === 'district') return districtName(id);
    return id ?? a.subject;
  }

  function alertItem(a, withForm) {
    const li = document.createElement('li');
    li.dataset.id = a.id;
    li.dataset.rule = a.rule_id;
    li.dataset.state = a.state;
    li.dataset.severity = a.severity;
    const head = document.createElement('div');
    head.innerHTML = '<span class="sev"></span> · <strong class="title"></strong>';
    head.querySelector('.sev').textContent = `${t(a.severity)} · ${t(a.state)}`;
    head.querySelector('.title').textContent = a.title;
    const meta = document.createElement('div');
    meta.className = 'meta';
    meta.textContent = `${subjectLabel(a)} · ${a.signal} = ${Math.round(a.value * 100) / 100} · ${fmtTime(a.fired_ms ?? a.opened_ms)}${a.flapping ? ' · flapping' : ''}`;
    li.append(head, meta);
    const notify = document.createElement('div');
    notify.className = 'notify';
    fillNotes(notify, notes.get(a.id)?.list);
    li.append(notify);
    if (a.acknowledged) {
      const ack = document.createElement('div');
      ack.className = 'acked';
      ack.textContent = `✔ ${t('acked_by')} ${a.acknowledged.by} · ${fmtTime(a.acknowledged.at_ms)}${a.acknowledged.comment ? ` — ${a.acknowledged.comment}` : ''}`;
      li.append(ack);
    }
    if (withForm && a.state === 'firing') {
      const form = document.createElement('form');
      form.innerHTML = '<input class="comment" type="text" maxlength="500"><button class="ack" type="submit"></button>';
      form.querySelector('.comment').placeholder = t('comment');
      form.querySelector('.ack').textContent = t('ack');
      form.addEventListener('submit', (ev) => { ev.preventDefault(); acknowledge(a.id, form); });
      li.append(form);
    }
    const linked = incidentOf(a.id);
    if (linked !== null || canOpenIncident()) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'open-incident';
      b.dataset.openIncident = a.id;
      b.textContent = linked !== null ? `${t('view_incident')} #${linked}` : t('open_incident');
      b.addEventListener('click', (ev) => { ev.stopPropagation(); onOpenIncident(a.id); });
      li.append(b);
    }
    return li;
  }

  /** Writes an alert's notification lines into `el` (nothing when none were sent). */
  function fillNotes(el, list) {
    el.replaceChildren(...notificationSummary(list).map((n) => {
      const s = document.createElement('span');
      s.dataset.state = n.state;
      s.dataset.channel = n.channel;
      s.textContent = n.text;
      return s;
    }));
  }

  let notesTimer = null;
  function scheduleNotes() {
    clearTimeout(notesTimer);
    notesTimer = setTimeout(() => refreshNotes(false), 1000);
  }

  /** Fetches the notifications of the open alerts that lack them (`all`: every one, at most
   *  NOTES_MAX) and writes them into their items in place. */
  async function refreshNotes(all) {
    const ids = [...open.keys()].filter((id) => all || !notes.has(id)).slice(0, NOTES_MAX);
    await Promise.all(ids.map(async (id) => {
      const d = await api(`/api/v1/alerts/${id}`).catch(() => null);
      if (!d) return;
      notes.set(id, { at: Date.now(), list: d.notifications ?? [] });
      const el = $(`#alert-list li[data-id="${id}"] .notify`);
      if (el) fillNotes(el, d.notifications);
    }));
    for (const id of notes.keys()) if (!open.has(id)) notes.delete(id);
  }
  setInterval(() => refreshNotes(true), NOTES_REFRESH_MS);

  async function acknowledge(id, form) {
    const by = $('#operator').value.trim();
    const err = form.parentElement.querySelector('.error') ?? document.createElement('div');
    err.className = 'error';
    if (!by) {
      err.textContent = t('need_operator');
      form.after(err);
      $('#operator').focus();
      return;
    }
    localStorage.setItem('ioc.operator', by);
    form.querySelector('.ack').disabled = true;
    try {
      const alert = await api(`/api/v1/alerts/${id}/ack`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ by, comment: form.querySelector('.comment').value }),
      });
      upsertAlert(alert);
    } catch (e) {
      err.textContent = `${t('ack_failed')}: ${e.message}`;
      form.after(err);
      form.querySelector('.ack').disabled = false;
    }
  }

  function upsertAlert(a) {
    if (a.state === 'resolved') open.delete(a.id);
    else open.set(a.id, a);
    notes.delete(a.id); // a change is notified: ask again
    renderAlerts();
    scheduleHistory();
  }

  /** Rebuilds only the items whose alert changed, so a comment being typed survives updates. */
  function renderAlerts() {
    const list = $('#alert-list');
    const sorted = [...open.values()].sort((x, y) =>
      SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity) || (y.fired_ms ?? y.opened_ms) - (x.fired_ms ?? x.opened_ms));
    const old = new Map([...list.querySelectorAll('li[data-id]')].map((li) => [li.dataset.id, li]));
    const items = sorted.map((a) => {
      const li = old.get(String(a.id));
      const sig = JSON.stringify([a.state, a.acknowledged, a.value, a.flap_count, currentLang(), incidentOf(a.id), canOpenIncident()]);
      if (li && li.dataset.sig === sig) return li;
      const fresh = alertItem(a, true);
      fresh.dataset.sig = sig;
      return fresh;
    });
    if (!items.length) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = t('no_alerts');
      items.push(li);
    }
    list.replaceChildren(...items);
    scheduleNotes();
  }

  let historyTimer = null;
  function scheduleHistory() {
    clearTimeout(historyTimer);
    historyTimer = setTimeout(loadHistory, 1500);
  }

  async function loadHistory() {
    try {
      const body = await api('/api/v1/alerts?limit=50');
      const items = body.alerts.map((a) => {
        const li = alertItem(a, false);
        li.addEventListener('click', () => showEvents(a.id, li), { once: true });
        return li;
      });
      $('#alert-history').replaceChildren(...items);
    } catch (e) {
      console.warn('alert history', e);
    }
  }

  async function showEvents(id, li) {
    const d = await api(`/api/v1/alerts/${id}`).catch(() => null);
    if (!d) return;
    const ul = document.createElement('ul');
    ul.className = 'events';
    for (const ev of d.history) {
      const item = document.createElement('li');
      item.textContent = `${fmtTime(ev.at_ms)} ${t(ev.kind)}${ev.by ? ` · ${ev.by}` : ''}${ev.comment ? ` — ${ev.comment}` : ''}`;
      ul.append(item);
    }
    li.append(ul);
    fillNotes(li.querySelector('.notify'), d.notifications);
  }

  return {
    /** Replaces the open alerts (a stream snapshot). */
    setOpen(list) {
      open.clear();
      for (const a of list) open.set(a.id, a);
      renderAlerts();
      scheduleHistory();
    },
    /** Applies one change (a stream update or an acknowledgement's answer). */
    upsert: upsertAlert,
    /** Redraws (after a language switch) and reloads the history. */
    refresh() {
      renderAlerts();
      loadHistory();
    },
    render: renderAlerts,
    loadHistory,
  };
}
