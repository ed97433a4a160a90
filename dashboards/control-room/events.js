// The recent events — citizens' reports and camera detections — as markers on the map: a
// diamond for a report, a triangle for a camera, drawn with a white outline once an incident
// covers the event. Live from the `events` stream (a snapshot of up to 100, then one event
// per update) or polled for a key refused it. A click shows the event (#event-detail) with
// an action to open an incident from it, or to show the incident that covers it.
import { fmtTime, t } from './i18n.js';

const NS = 'http://www.w3.org/2000/svg';
/** The markers drawn: the newest this many (what the stream's snapshot holds). */
export const MAX_EVENTS = 100;
/** A marker's half size in map units (degrees), like the sensors' dots and the labels. */
const MARKER_SIZE = 0.0028;

const $ = (sel) => document.querySelector(sel);

/** The marker's outline around (x, y), `s` its half size: a triangle for a camera, a diamond
 *  for anything else (a citizen's report). */
export function markerPath(kind, x, y, s) {
  if (kind === 'camera') return `M${x},${y - s}L${x + 0.9 * s},${y + 0.65 * s}L${x - 0.9 * s},${y + 0.65 * s}Z`;
  return `M${x},${y - s}L${x + s},${y}L${x},${y + s}L${x - s},${y}Z`;
}

/** A photo or snapshot may be shown inline only from this origin (the page's CSP). */
const sameOrigin = (url) => typeof url === 'string' && url.startsWith('/') && !url.startsWith('//');

/** A reporter's contact (`{name, phone, email}`) as one line. */
export function contactLine(c) {
  if (!c) return '';
  if (typeof c === 'string') return c;
  return [c.name, c.phone, c.email].filter(Boolean).join(' · ');
}

/**
 * `api(path)` makes authenticated requests; `districtName(id)` labels a district; `mayOpen()`
 * whether this caller may open incidents; `openFromEvent(id)` opens (or finds) an event's
 * incident and resolves to it; `showIncident(id)` shows an incident.
 */
export function createEventLayer({ api, districtName, mayOpen, openFromEvent, showIncident }) {
  const events = new Map(); // event id → event
  let map = null;
  let shown = null;         // the id of the event in the card

  function trim() {
    const newest = [...events.values()].sort((a, b) => b.ts_ms - a.ts_ms).slice(0, MAX_EVENTS);
    const keep = new Set(newest.map((e) => e.id));
    for (const id of events.keys()) if (!keep.has(id)) events.delete(id);
  }

  function draw() {
    if (!map) return;
    const size = MARKER_SIZE;
    const placed = [...events.values()]
      .filter((e) => typeof e.lat === 'number' && typeof e.lon === 'number')
      .sort((a, b) => a.ts_ms - b.ts_ms); // the newest on top
    map.events.replaceChildren(...placed.map((e) => {
      const [x, y] = map.proj([e.lon, e.lat]);
      const m = document.createElementNS(NS, 'path');
      m.setAttribute('d', markerPath(e.kind, x, y, size));
      m.setAttribute('class', `event ${e.kind}${e.incident ? ' linked' : ''}${e.id === shown ? ' selected' : ''}`);
      m.dataset.eventId = e.id;
      m.dataset.kind = e.kind;
      const title = document.createElementNS(NS, 'title');
      title.textContent = `${t(`ev_${e.kind}`)} · ${e.category ?? e.class ?? ''} · ${fmtTime(e.ts_ms)}`;
      m.append(title);
      m.addEventListener('click', (ev) => { ev.stopPropagation(); show(e.id); });
      return m;
    }));
  }

  function line(text, cls) {
    const p = document.createElement('div');
    if (cls) p.className = cls;
    p.textContent = text;
    return p;
  }

  function renderCard() {
    const card = $('#event-detail');
    const e = events.get(shown);
    card.hidden = !e;
    if (!e) return;
    card.dataset.eventId = e.id;
    $('#event-title').textContent = `${t(`ev_${e.kind}`)} · ${e.category ?? e.class ?? e.id}`;
    const body = [
      line(`${districtName(e.district)} · ${fmtTime(e.ts_ms)} (${t('received')} ${fmtTime(e.received_ms)})`, 'meta'),
    ];
    if (e.description) body.push(line(e.description));
    if (e.kind === 'camera') {
      const conf = typeof e.confidence === 'number' ? ` · ${t('confidence')} ${Math.round(e.confidence * 100)}%` : '';
      body.push(line(`${e.camera ?? ''}${conf}`, 'meta'));
    }
    if (contactLine(e.contact)) body.push(line(`${t('contact')}: ${contactLine(e.contact)}`, 'meta'));
    const url = e.photo_url ?? e.snapshot_url;
    if (url) {
      if (sameOrigin(url)) {
        const img = document.createElement('img');
        img.src = url;
        img.alt = t('photo');
        body.push(img);
      } else {
        const a = document.createElement('a');
        a.href = url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.textContent = t('photo');
        body.push(a);
      }
    }
    $('#event-body').replaceChildren(...body);
    const b = $('#event-open-incident');
    b.hidden = !e.incident && !mayOpen();
    b.textContent = e.incident ? `${t('view_incident')} #${e.incident}` : t('open_incident');
  }

  /** Shows event `id` in the card, then reads it again: the stream leaves out the reporter's
   *  contact (read here for an operator) and is not told when an incident takes the event. */
  function show(id) {
    shown = id;
    $('#event-error').textContent = '';
    renderCard();
    draw();
    if (id === null) return;
    api(`/api/v1/events/${encodeURIComponent(id)}`).then((full) => {
      if (!events.has(full.id)) return;
      const known = events.get(full.id);
      events.set(full.id, { ...known, ...full, incident: full.incident ?? known.incident });
      if (shown === full.id) renderCard();
      draw();
    }, (e) => console.warn('event', e));
  }

  $('#event-close').addEventListener('click', () => show(null));
  $('#event-open-incident').addEventListener('click', async (ev) => {
    const e = events.get(shown);
    if (!e) return;
    if (e.incident) { showIncident(e.incident); return; }
    const b = ev.currentTarget;
    b.disabled = true;
    try {
      const inc = await openFromEvent(e.id);
      e.incident = inc.id;
      renderCard();
      draw();
    } catch (err) {
      $('#event-error').textContent = `${t('action_failed')}: ${err.message}`;
    } finally {
      b.disabled = false;
    }
  });

  return {
    /** Draws into the map made by `drawMap` (map.js). */
    attach(m) { map = m; draw(); },
    /** Replaces the events (a stream snapshot or a poll). */
    setRecent(list) {
      events.clear();
      for (const e of list) events.set(e.id, e);
      trim();
      draw();
      renderCard();
    },
    /** Adds or replaces one event (a stream update). */
    add(e) {
      events.set(e.id, e);
      trim();
      draw();
      if (e.id === shown) renderCard();
    },
    /** Marks the events an incident covers (its `events`), so their markers show it. */
    link(incident) {
      let changed = false;
      for (const id of incident?.events ?? []) {
        const e = events.get(id);
        if (e && e.incident !== incident.id) { e.incident = incident.id; changed = true; }
      }
      if (changed) { draw(); renderCard(); }
    },
    /** Redraws after a language switch. */
    refresh() { draw(); renderCard(); },
  };
}
