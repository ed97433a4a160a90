// The incident panel (#incidents): the open incidents by severity then age (live from the
// `incidents` stream, or polled for a key refused that stream), each with its status,
// department and SLA countdown; a form to open one; opening one from an alert or an event;
// and the detail view (incident-detail.js). Owns the open incidents and the procedures
// (GET /api/v1/procedures: categories with their steps, departments).
import { t, local } from './i18n.js';
import { SEVERITIES } from './alerts.js';
import { createIncidentDetail, hasTimeline } from './incident-detail.js';
import { fmtLeft, slaState } from './sla.js';

/** What `status=open` means: anything not closed or cancelled. */
export const OPEN_STATES = ['new', 'assigned', 'in_progress', 'resolved'];

const $ = (sel) => document.querySelector(sel);

/** Most severe first, then the oldest first: the one waiting longest is worked first. */
export function sortIncidents(list) {
  return [...list].sort((a, b) =>
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.opened_ms - b.opened_ms || a.id - b.id);
}

/**
 * `api(path, init)` makes authenticated requests; `districtName(id)` labels a district,
 * `districts()` lists the city's; `role()` is the caller's role. `onChange(incident)` is told
 * of every incident that changed (the alert panel and the event markers show their links).
 */
export function createIncidentPanel({ api, districtName, districts, role, onChange = () => {} }) {
  const open = new Map(); // incident id → incident (without timeline)
  const proc = { categories: new Map(), departments: new Map() };
  const detail = createIncidentDetail({
    api, proc, districtName, role, onChange: (inc) => apply(inc), onClose: renderList,
  });
  const mayOpen = () => ['operator', 'admin'].includes(role());

  const post = (path, body) => api(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}),
  });

  /** Applies one incident (a stream change, an action's answer); `entry` its new timeline entry. */
  function apply(inc, entry = null) {
    const known = open.get(inc.id);
    if (known && inc.updated_ms < known.updated_ms) return; // an older frame overtaken by an answer
    const { timeline, ...row } = inc;
    if (OPEN_STATES.includes(inc.status)) open.set(inc.id, row);
    else open.delete(inc.id);
    detail.apply(inc, entry);
    renderList();
    onChange(inc);
  }

  function row(inc, now) {
    const li = document.createElement('li');
    li.dataset.incidentId = inc.id;
    li.dataset.status = inc.status;
    li.dataset.severity = inc.severity;
    li.classList.toggle('selected', detail.id() === inc.id);
    const head = document.createElement('div');
    head.className = 'head';
    const badge = document.createElement('span');
    badge.className = 'st';
    badge.dataset.status = inc.status;
    badge.textContent = t(`inc_st_${inc.status}`);
    const title = document.createElement('strong');
    title.className = 'title';
    title.textContent = inc.title;
    const sla = document.createElement('span');
    sla.className = 'sla';
    head.append(badge, title, sla);
    const meta = document.createElement('div');
    meta.className = 'meta';
    const dept = inc.assignee ? local(proc.departments.get(inc.assignee), 'name') || inc.assignee : t('unassigned');
    meta.textContent = [
      `#${inc.id}`, t(inc.severity), local(proc.categories.get(inc.category), 'title') || inc.category,
      districtName(inc.district), dept,
    ].join(' · ');
    li.append(head, meta);
    li.addEventListener('click', () => openIncident(inc.id));
    fillSla(li, inc, now);
    return li;
  }

  function fillSla(li, inc, now) {
    const el = li.querySelector('.sla');
    const s = slaState(inc, now);
    el.dataset.sla = s.breached ? 'breached' : s.kind ? 'ok' : 'none';
    el.textContent = s.kind ? `${s.left < 0 ? t('sla_over') : t('sla_left')} ${fmtLeft(s.left)}` : (s.breachedAny ? 'SLA ✗' : '');
  }

  function renderList() {
    const now = Date.now();
    const items = sortIncidents(open.values()).map((inc) => row(inc, now));
    if (!items.length) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = t('no_incidents');
      items.push(li);
    }
    $('#incident-list').replaceChildren(...items);
    $('#incident-count').textContent = open.size ? `${open.size}` : '';
    $('#incident-new-open').hidden = !mayOpen();
  }

  /** Counts the SLA down in place (every second), without rebuilding the rows. */
  function tick() {
    const now = Date.now();
    for (const li of document.querySelectorAll('#incident-list li[data-incident-id]')) {
      const inc = open.get(Number(li.dataset.incidentId));
      if (inc) fillSla(li, inc, now);
    }
    detail.tick();
  }

  function showError(text) {
    $('#incidents-error').textContent = text;
  }

  async function openIncident(id) {
    showError('');
    try {
      detail.show(await api(`/api/v1/incidents/${id}`));
      renderList();
    } catch (e) {
      showError(`${t('action_failed')}: ${e.message}`);
    }
  }

  /** Opens (or finds) the incident of an alert or an event, shows it and returns it. */
  async function openFrom(path) {
    showError('');
    try {
      let inc = await post(path, {});
      if (!hasTimeline(inc)) inc = await api(`/api/v1/incidents/${inc.id}`);
      detail.show(inc);
      apply(inc);
      return inc;
    } catch (e) {
      showError(`${t('action_failed')}: ${e.message}`);
      throw e;
    }
  }

  // --- The "new incident" form ---------------------------------------------------------
  function fillForm() {
    const opts = (sel, list) => {
      const keep = $(sel).value;
      $(sel).replaceChildren(...list.map(([id, label]) => new Option(label, id)));
      if (keep) $(sel).value = keep;
    };
    opts('#new-category', [...proc.categories.values()].map((c) => [c.id, local(c, 'title') || c.id]));
    opts('#new-severity', SEVERITIES.map((s) => [s, t(s)]));
    opts('#new-district', districts().map((d) => [d.id, d.name]));
    if (!$('#new-severity').dataset.touched) $('#new-severity').value = 'major';
  }

  function setupForm() {
    const dlg = $('#incident-new');
    $('#incident-new-open').addEventListener('click', () => {
      fillForm();
      $('#incident-new-error').textContent = '';
      dlg.showModal();
    });
    $('#incident-new-cancel').addEventListener('click', () => dlg.close());
    $('#new-severity').addEventListener('change', (ev) => { ev.target.dataset.touched = '1'; });
    $('#incident-new-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = {
        title: $('#new-title').value.trim(),
        category: $('#new-category').value,
        severity: $('#new-severity').value,
        district: $('#new-district').value,
      };
      const description = $('#new-description').value.trim();
      if (description) body.description = description;
      const submit = $('#incident-new-form button[type=submit]');
      submit.disabled = true;
      try {
        const inc = await post('/api/v1/incidents', body);
        dlg.close();
        $('#new-title').value = '';
        $('#new-description').value = '';
        apply(inc);
        openIncident(inc.id);
      } catch (e) {
        $('#incident-new-error').textContent = `${t('action_failed')}: ${e.message}`;
      } finally {
        submit.disabled = false;
      }
    });
  }

  /** Every open incident from the REST API (for a key refused the stream), page by page. */
  async function fetchOpen() {
    const all = [];
    let cursor = null;
    do {
      const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await api(`/api/v1/incidents?status=open&limit=500${after}`);
      all.push(...page.incidents);
      cursor = page.next_cursor ?? page.next ?? null;
    } while (cursor);
    return all;
  }

  setupForm();
  setInterval(tick, 1000);

  return {
    /** Loads the procedures (categories, steps, departments); an error leaves them empty. */
    async loadProcedures() {
      try {
        const p = await api('/api/v1/procedures');
        for (const c of p.categories ?? []) proc.categories.set(c.id, c);
        for (const d of p.departments ?? []) proc.departments.set(d.id, d);
      } catch (e) {
        console.warn('procedures', e);
      }
      renderList();
    },
    /** Replaces the open incidents (a stream snapshot or a poll). */
    setOpen(list) {
      open.clear();
      for (const inc of list) {
        const { timeline, ...row } = inc;
        if (OPEN_STATES.includes(inc.status)) open.set(inc.id, row);
      }
      // The shown incident changed while this page did not hear of it (a reconnect): reload it.
      const shown = open.get(detail.id());
      if (shown && shown.updated_ms > detail.updatedMs()) detail.reload().catch((e) => console.warn('incident', e));
      renderList();
      onChange(null);
    },
    apply,
    /** Polls the open incidents and the shown one (a key refused the stream). */
    async poll() {
      this.setOpen(await fetchOpen());
      await detail.reload();
    },
    /** The open incident linked to alert `id`, or null. */
    ofAlert(id) {
      for (const inc of open.values()) if (inc.alerts?.includes(id)) return inc.id;
      return null;
    },
    /** The open incidents (for the event markers' links). */
    open: () => [...open.values()],
    openFromAlert: (id) => openFrom(`/api/v1/alerts/${id}/incident`),
    openFromEvent: (id) => openFrom(`/api/v1/events/${encodeURIComponent(id)}/incident`),
    openIncident,
    mayOpen,
    /** Redraws after a language switch. */
    refresh() {
      renderList();
      detail.render();
    },
    render: renderList,
  };
}
