// One incident in detail (#incident-detail): its fields and SLA, the procedure checklist (a
// checkbox per step; who ticked it and when), the timeline, and the actions — assign to a
// department, comment, move to an allowed next status. The server decides who may do what
// (a department key works only its own incidents); the page hides what a role can never do
// and shows the server's message for the rest. The skeleton is in index.html; only its parts
// are redrawn, so a comment being typed survives live updates.
import { fmtTime, local, t } from './i18n.js';
import { slaState, fmtLeft } from './sla.js';

/** The statuses an incident may move to from each status (the server enforces the same). */
export const NEXT = {
  new: ['assigned', 'cancelled'],
  assigned: ['in_progress', 'cancelled'],
  in_progress: ['resolved', 'cancelled'],
  resolved: ['closed', 'in_progress'],
  closed: [],
  cancelled: [],
};

const $ = (sel) => document.querySelector(sel);

/** `dd/mm ` for a time on another day than today, else nothing (a deadline may be days off). */
function fmtDay(ms) {
  const d = new Date(ms);
  if (d.toDateString() === new Date().toDateString()) return '';
  return `${String(d.getDate()).padStart(2, '0')}/${String(d.getMonth() + 1).padStart(2, '0')} `;
}

/** Whether `inc` carries its timeline: listings and stream updates send it empty (every
 *  incident has at least its `opened` entry); one incident read or acted on has it. */
export const hasTimeline = (inc) => Array.isArray(inc.timeline) && inc.timeline.length > 0;

/** Timeline entries are compared whole: the stream may repeat one the page already has. */
const sameEntry = (a, b) => a.at_ms === b.at_ms && a.kind === b.kind && a.by === b.by && a.detail === b.detail;

/**
 * `api(path, init)` makes authenticated requests; `proc` holds the procedures' categories and
 * departments by id; `role()` is the caller's role; `onChange(incident)` is told of every
 * incident an action answered with, `onClose()` when the operator closes the view.
 */
export function createIncidentDetail({ api, proc, districtName, role, onChange, onClose }) {
  let cur = null;            // the shown incident, with its timeline
  let shownAssignee;         // the assignee the picker was last set to (kept while the operator picks)
  const box = $('#incident-detail');

  const post = (path, body) => api(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}),
  });

  function setError(text) {
    $('#incident-error').textContent = text;
  }

  /** Runs one action on the shown incident; the answer (the updated incident) is applied. */
  async function act(suffix, body, button) {
    if (!cur) return false;
    const id = cur.id;
    setError('');
    if (button) button.disabled = true;
    try {
      let inc = await post(`/api/v1/incidents/${id}${suffix}`, body);
      if (!hasTimeline(inc)) inc = await api(`/api/v1/incidents/${id}`);
      onChange(inc);
      return true;
    } catch (e) {
      setError(`${t('action_failed')}: ${e.message}`);
      return false;
    } finally {
      if (button) button.disabled = false;
    }
  }

  function field(label, value, attrs = {}) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    Object.assign(dd.dataset, attrs);
    return [dt, dd];
  }

  function renderFields() {
    const i = cur;
    $('#incident-title').textContent = `#${i.id} · ${i.title}`;
    const cat = proc.categories.get(i.category);
    const dept = i.assignee ? local(proc.departments.get(i.assignee), 'name') || i.assignee : t('unassigned');
    const sla = slaState(i, Date.now());
    const at = (ms) => (ms ? `${fmtDay(ms)}${fmtTime(ms)}` : '—');
    const slaText = [
      `${t('sla_assign')} ${at(i.sla?.assign_by_ms)}`,
      `${t('sla_resolve')} ${at(i.sla?.resolve_by_ms)}`,
      sla.kind ? `(${sla.left < 0 ? t('sla_over') : t('sla_left')} ${fmtLeft(sla.left)})` : '',
    ].filter(Boolean).join(' · ');
    const linked = [
      i.alerts?.length ? `${t('linked_alerts')} ${i.alerts.map((a) => `#${a}`).join(', ')}` : '',
      i.events?.length ? `${t('linked_events')} ${i.events.join(', ')}` : '',
    ].filter(Boolean).join(' · ');
    $('#incident-fields').replaceChildren(
      ...field(t('status'), t(`inc_st_${i.status}`), { status: i.status, field: 'status' }),
      ...field(t('severity'), t(i.severity), { field: 'severity' }),
      ...field(t('category'), local(cat, 'title') || i.category, { field: 'category' }),
      ...field(t('district'), districtName(i.district), { field: 'district' }),
      ...field(t('assignee'), dept, { field: 'assignee', assignee: i.assignee ?? '' }),
      ...field(t('opened'), `${fmtTime(i.opened_ms)} · ${i.opened_by ?? ''}`, { field: 'opened' }),
      ...field('SLA', slaText, { field: 'sla', sla: sla.breached ? 'breached' : 'ok' }),
      ...(linked ? field(t('tl_linked'), linked, { field: 'linked' }) : []),
    );
    if (i.description) $('#incident-fields').append(...field(t('description'), i.description, { field: 'description' }));
  }

  function renderChecklist() {
    const readOnly = role() === 'viewer' || ['closed', 'cancelled'].includes(cur.status);
    $('#incident-checklist').replaceChildren(...(cur.checklist ?? []).map((s) => {
      const li = document.createElement('li');
      li.dataset.step = s.step;
      li.dataset.done = s.done ? 'true' : 'false';
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = !!s.done;
      box.disabled = readOnly;
      box.addEventListener('change', async () => {
        box.disabled = true;
        const done = box.checked;
        const ok = await act(`/checklist/${encodeURIComponent(s.step)}`, { done }, null);
        if (!ok) { box.checked = !done; box.disabled = false; }
      });
      const text = document.createElement('span');
      text.textContent = `${local(s, 'text') || s.step}${s.optional ? ` (${t('optional')})` : ''}`;
      if (s.optional) li.dataset.optional = 'true';
      label.append(box, text);
      const by = document.createElement('span');
      by.className = 'by';
      by.textContent = s.done && s.by ? `✔ ${s.by} · ${fmtTime(s.at_ms)}` : '';
      li.append(label, by);
      return li;
    }));
  }

  function renderTimeline() {
    // Newest first: the server's order (oldest first; a stable sort keeps it for entries of
    // the same millisecond), reversed.
    const entries = [...(cur.timeline ?? [])].sort((a, b) => a.at_ms - b.at_ms).reverse();
    $('#incident-timeline').replaceChildren(...entries.map((e) => {
      const li = document.createElement('li');
      li.dataset.kind = e.kind;
      li.textContent = `${fmtTime(e.at_ms)} · ${t(`tl_${e.kind}`)} · ${e.by ?? ''}${e.detail ? ` — ${e.detail}` : ''}`;
      return li;
    }));
  }

  function renderActions() {
    const r = role();
    $('#incident-actions').hidden = r === 'viewer';
    const mayAssign = r === 'operator' || r === 'admin';
    const terminal = ['closed', 'cancelled'].includes(cur.status);
    $('#incident-assign-row').hidden = !mayAssign || terminal;
    // A new incident moves to `assigned` by being assigned: the assign button is that move.
    if (cur.status === 'new') $('#incident-assign').dataset.statusTo = 'assigned';
    else delete $('#incident-assign').dataset.statusTo;
    const pick = $('#incident-assignee');
    const options = [['', t('pick_department')], ...[...proc.departments.values()].map((d) => [d.id, local(d, 'name') || d.id])];
    if (cur.assignee && !proc.departments.has(cur.assignee)) options.push([cur.assignee, cur.assignee]);
    const keep = shownAssignee === (cur.assignee ?? '') ? pick.value : (cur.assignee ?? '');
    pick.replaceChildren(...options.map(([id, name]) => new Option(name, id)));
    pick.value = keep;
    shownAssignee = cur.assignee ?? '';
    $('#incident-status').replaceChildren(...NEXT[cur.status].filter((s) => s !== 'assigned').map((to) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.statusTo = to;
      b.textContent = t(cur.status === 'resolved' && to === 'in_progress' ? 'to_in_progress_again' : `to_${to}`);
      b.addEventListener('click', () => moveTo(to, b));
      return b;
    }));
  }

  /** A move to another status (`assigned` is reached by assigning: see renderActions). */
  function moveTo(to, button) {
    return act('/status', { status: to }, button);
  }

  function assign(button) {
    const assignee = $('#incident-assignee').value;
    if (!assignee) {
      setError(t('need_assignee'));
      $('#incident-assignee').focus();
      return Promise.resolve(false);
    }
    return act('/assign', { assignee }, button);
  }

  function render() {
    if (!cur) return;
    box.hidden = false;
    box.dataset.incidentId = cur.id;
    box.dataset.status = cur.status;
    renderFields();
    renderChecklist();
    renderTimeline();
    renderActions();
  }

  $('#incident-close').addEventListener('click', () => {
    cur = null;
    box.hidden = true;
    delete box.dataset.incidentId;
    onClose();
  });
  $('#incident-assign').addEventListener('click', (ev) => assign(ev.currentTarget));
  $('#incident-comment-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $('#incident-comment');
    const text = input.value.trim();
    if (!text) return;
    if (await act('/comment', { text }, $('#incident-comment-send'))) input.value = '';
  });

  return {
    /** The shown incident's id, or null. */
    id: () => cur?.id ?? null,
    /** When the shown incident last changed, as far as this page knows. */
    updatedMs: () => cur?.updated_ms ?? 0,
    /** Shows `incident` (with its timeline). */
    show(incident) {
      if (cur?.id !== incident.id) {
        setError('');
        shownAssignee = undefined;
        $('#incident-comment').value = '';
      }
      cur = incident;
      render();
    },
    /** Applies a change of any incident (a stream update carries `entry`, its timeline empty).
     *  The same change arrives twice — an action's answer and the stream's update — and the
     *  second is not redrawn, so the controls an operator is about to click stay in place. */
    apply(incident, entry) {
      if (!cur || incident.id !== cur.id || incident.updated_ms < cur.updated_ms) return;
      let timeline = hasTimeline(incident) ? incident.timeline : cur.timeline ?? [];
      if (!hasTimeline(incident) && entry && !timeline.some((e) => sameEntry(e, entry))) {
        timeline = [...timeline, entry];
      }
      const known = incident.updated_ms === cur.updated_ms && timeline.length === (cur.timeline ?? []).length;
      cur = { ...incident, timeline };
      if (!known) render();
    },
    /** Reloads the shown incident (polling, for a key without the stream). */
    async reload() {
      if (!cur) return;
      const inc = await api(`/api/v1/incidents/${cur.id}`);
      if (cur?.id === inc.id) { cur = inc; render(); }
    },
    /** Redraws the SLA line (every second) and everything after a language switch. */
    tick() { if (cur) renderFields(); },
    render,
  };
}
