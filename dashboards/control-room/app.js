// The control-room page: wires the city layout (GET /api/v1/city?sensors=false), the live
// streams (/api/v1/stream) and the history API (/api/v1/series) to the header, the map, the
// details with trends, the alert panel, the incident panel and the event markers. Plain ES
// modules; nothing is loaded from elsewhere.
// A city may hold 100,000 sensors: the page loads and follows those of the open district only.
import { applyLabels, currentLang, fmtTime, t, toggleLang } from './i18n.js';
import { LiveStream } from './stream.js';
import { drawMap, drawSensors } from './map.js';
import { foldStatus } from './status.js';
import { drawChart } from './chart.js';
import { createAlertPanel, SEVERITIES } from './alerts.js';
import { createIncidentPanel } from './incidents.js';
import { createEventLayer } from './events.js';

// --- Access control ------------------------------------------------------------------------
// The API token (an API key or a JWT) lives in sessionStorage for this tab only. It arrives by
// the login form, or as `token=…` in the URL fragment (the URL that `ioc` prints at start, or a
// link an operator passes on: `#token=…&district=hai-chau`); the fragment is never sent to the
// server and the token is removed from the address bar at once, the rest of the fragment kept.
// A link never silently replaces the token a tab is signed in with: a crafted link could switch
// an operator to a narrowly scoped key that hides alerts, so the page asks first.
const TOKEN_KEY = 'ioc.token';

/** The URL fragment's parameters: `token`, and a selection (`district` or `sensor`). */
function fragment() {
  return new URLSearchParams(location.hash.slice(1));
}

/** Takes a `token=` out of the fragment and adopts it (asking before a switch); true when the
 *  tab's token changed. */
function adoptLinkedToken() {
  const params = fragment();
  const linked = params.get('token');
  if (linked === null) return false;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
  const current = sessionStorage.getItem(TOKEN_KEY);
  if (!linked || current === linked) return false;
  if (current && !confirm(t('token_switch'))) return false;
  sessionStorage.setItem(TOKEN_KEY, linked);
  return true;
}
adoptLinkedToken();
// A link opened in a tab already on this page changes only the fragment: no reload.
window.addEventListener('hashchange', () => {
  if (adoptLinkedToken()) location.reload();
  else if (document.body.dataset.ready) followFragment();
});

/** The selection a fragment asks for (`#district=…` or `#sensor=…`), or null. */
function linkedSelection() {
  const params = fragment();
  for (const kind of ['district', 'sensor']) {
    const id = params.get(kind);
    if (id) return { kind, id };
  }
  return null;
}

export function authToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Shows the login form; `why` says what went wrong (a refused token). */
function showLogin(why = '') {
  const dlg = $('#login');
  if (dlg.open) return;
  $('#login-error').textContent = why;
  dlg.showModal();
}

function setupLogin() {
  $('#login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const token = $('#login-token').value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    location.reload();
  });
  $('#logout').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    location.reload();
  });
}

/** A tile is stale when its data is older than this many expected intervals (the default of
 *  aggregate.late_after_intervals, the server's own "late"). */
const STALE_FACTOR = 2;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TREND_METRIC = { aqi: ['environment', 'pm25'], congestion: ['traffic', 'avg_speed_kmh'], queue: ['public_service', 'avg_wait_s'] };
const SENSOR_METRIC = { environment: 'pm25', traffic: 'avg_speed_kmh', public_service: 'waiting' };
const LEVEL_COLOR = { free: '#2ecc71', moderate: '#f5d90a', heavy: '#ff8c1a', jammed: '#ff3b3b' };

const $ = (sel) => document.querySelector(sel);
const state = {
  city: null,
  map: null,
  interval: {},          // domain → expected interval (ms), the slowest sensor's
  ind: new Map(),        // "domain/area" → { data, as_of }
  shown: null,           // the open district: { id, sensors: Map id → SensorSummary, live }
  status: new Map(),     // the open district's sensor id → { id, domain, district, status }
  layer: 'aqi',
  sel: null,             // { kind: 'district' | 'sensor', id }
  hour: [],              // live points of the selection's trend
  day: [],
  sensor: null,          // the selected sensor's latest state
  me: null,              // GET /api/v1/whoami: { id, role, scope }
};

async function api(path, init = {}) {
  const headers = { Accept: 'application/json', ...(init.headers || {}) };
  const token = authToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(path, { ...init, headers });
  const body = await res.json().catch(() => null);
  // Errors are `{code, message}` (src/serve/error.rs); `{error: {code, message}}` read too.
  const message = body?.message ?? body?.error?.message;
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin(message ?? '');
  }
  if (!res.ok) throw new Error(message || `${res.status}`);
  return body;
}

/**
 * Every item of a paged list (`limit` and `cursor`, docs/api.md), following `next_cursor`:
 * a scoped dashboard polls all its open alerts and sensors, which may fill more than a page.
 */
async function apiAll(path, list) {
  const sep = path.includes('?') ? '&' : '?';
  const items = [];
  let cursor = null;
  do {
    const after = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await api(`${path}${sep}limit=5000${after}`);
    items.push(...page[list]);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

const districtName = (id) => state.city?.districts.find((d) => d.id === id)?.name ?? id;

const alerts = createAlertPanel({
  api,
  districtName,
  incidentOf: (id) => incidents.ofAlert(id),
  canOpenIncident: () => incidents.mayOpen(),
  onOpenIncident: (id) => {
    const linked = incidents.ofAlert(id);
    if (linked !== null) incidents.openIncident(linked);
    else incidents.openFromAlert(id).catch((e) => console.warn('incident from alert', e));
  },
});

const incidents = createIncidentPanel({
  api,
  districtName,
  districts: () => state.city?.districts ?? [],
  role: () => state.me?.role ?? 'viewer',
  onChange: (inc) => {
    alerts.render();
    if (inc) events.link(inc); else for (const i of incidents.open()) events.link(i);
  },
});

const events = createEventLayer({
  api,
  districtName,
  mayOpen: () => incidents.mayOpen(),
  openFromEvent: (id) => incidents.openFromEvent(id),
  showIncident: (id) => incidents.openIncident(id),
});

// --- Tiles and freshness -----------------------------------------------------------------

/** Fills a tile; `asOf` (ms) and `intervalMs` drive its "as of" line and its staleness. */
function setTile(el, { value, detail = '', color = null, asOf = null, intervalMs = 60_000, forceStale = false }) {
  el.querySelector('.value').textContent = value ?? '—';
  el.querySelector('.detail').replaceChildren();
  if (color) {
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = color;
    el.querySelector('.detail').append(sw);
  }
  el.querySelector('.detail').append(detail);
  el.dataset.asof = asOf ?? '';
  el.dataset.interval = intervalMs;
  el.dataset.forceStale = forceStale ? '1' : '';
  if (!el.querySelector('.stale-badge')) {
    const b = document.createElement('span');
    b.className = 'stale-badge';
    el.append(b);
  }
  refreshFreshness(el);
}

function refreshFreshness(el) {
  const asOf = Number(el.dataset.asof);
  const badge = el.querySelector('.stale-badge');
  if (badge) badge.textContent = t('stale');
  if (!el.dataset.asof || !asOf) {
    el.dataset.fresh = 'none';
    el.querySelector('.asof').textContent = t('no_data');
    return;
  }
  const age = Date.now() - asOf;
  const stale = el.dataset.forceStale === '1' || age > STALE_FACTOR * Number(el.dataset.interval);
  el.dataset.fresh = stale ? 'stale' : 'fresh';
  el.querySelector('.asof').textContent = `${t('as_of')} ${fmtTime(asOf)} (${fmtAge(age)} ${t('ago')})`;
}

function fmtAge(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);
const mins = (s) => (s === null || s === undefined ? '—' : `${(s / 60).toFixed(1)} min`);

function tileEl(id) {
  const el = document.createElement('article');
  el.className = 'tile';
  el.id = id;
  el.innerHTML = '<h2></h2><div class="value">—</div><div class="detail"></div><div class="asof"></div>';
  return el;
}

// --- Header --------------------------------------------------------------------------------

function renderKpi(msg) {
  const k = msg.data;
  const asOf = msg.as_of;
  const w = k.worst_aqi_district;
  setTile($('#kpi-aqi'), {
    value: w ? w.aqi : '—',
    detail: w ? `${w.name} · ${currentLang() === 'vi' ? w.label_vi : w.label_en}` : '',
    color: w?.color, asOf, intervalMs: state.interval.environment,
  });
  $('#kpi-aqi').style.borderTopColor = w?.color ?? 'transparent';
  setTile($('#kpi-congestion'), { value: pct(k.congested_share), asOf, intervalMs: state.interval.traffic });
  setTile($('#kpi-sla'), { value: pct(k.queue_sla), asOf, intervalMs: state.interval.public_service });
  const s = k.sensors || {};
  const total = (s.online || 0) + (s.late || 0) + (s.offline || 0) + (s.never_seen || 0);
  setTile($('#kpi-online'), {
    value: `${s.online ?? 0}/${total}`,
    detail: `${pct(k.sensors_online)} · ${t('st_late')} ${s.late || 0} · ${t('st_offline')} ${s.offline || 0}`,
    asOf, intervalMs: state.interval.min,
  });
  const open = k.open_alerts || {};
  const n = SEVERITIES.reduce((a, sev) => a + (open[sev] || 0), 0);
  setTile($('#kpi-alerts'), {
    value: `${n}`,
    detail: SEVERITIES.filter((sev) => open[sev]).map((sev) => `${t(sev)} ${open[sev]}`).join(' · '),
    asOf, intervalMs: state.interval.min,
  });
}

// --- Map -----------------------------------------------------------------------------------

function areaIndicators(domain, area) { return state.ind.get(`${domain}/${area}`)?.data?.indicators ?? null; }

/** The layer's colour and short value for one district. */
function layerValue(district) {
  if (state.layer === 'aqi') {
    const a = areaIndicators('environment', district)?.vn_aqi;
    return a ? { color: a.color, text: `AQI ${a.aqi}` } : null;
  }
  if (state.layer === 'congestion') {
    const tr = areaIndicators('traffic', district);
    if (tr?.congestion_index === null || tr?.congestion_index === undefined) return null;
    return { color: LEVEL_COLOR[tr.level] ?? LEVEL_COLOR.free, text: pct(tr.congestion_index) };
  }
  const q = areaIndicators('public_service', district);
  if (q?.avg_wait_s === null || q?.avg_wait_s === undefined) return null;
  const w = q.avg_wait_s;
  const color = w < 300 ? LEVEL_COLOR.free : w < 600 ? LEVEL_COLOR.moderate : w < 900 ? LEVEL_COLOR.heavy : LEVEL_COLOR.jammed;
  return { color, text: mins(w) };
}

function renderMap() {
  if (!state.map) return;
  for (const [id, path] of state.map.districts) {
    const v = layerValue(id);
    path.setAttribute('fill', v ? v.color : '#56637a');
    state.map.labels.get(id).textContent = v ? v.text : '';
  }
  const legend = {
    aqi: [['#00e400', '0–50'], ['#ffff00', '51–100'], ['#ff7e00', '101–150'], ['#ff0000', '151–200'], ['#8f3f97', '201–300'], ['#7e0023', '>300']],
    congestion: Object.entries(LEVEL_COLOR).map(([k, c]) => [c, t(k)]),
    queue: [[LEVEL_COLOR.free, '<5 min'], [LEVEL_COLOR.moderate, '<10 min'], [LEVEL_COLOR.heavy, '<15 min'], [LEVEL_COLOR.jammed, '≥15 min']],
  }[state.layer];
  $('#legend').replaceChildren(...legend.map(([c, label]) => {
    const s = document.createElement('span');
    s.innerHTML = '<span class="swatch"></span>';
    s.firstChild.style.background = c;
    s.append(label);
    return s;
  }));
}

function renderStatus() {
  if (!state.map) return;
  for (const [id, dot] of state.map.sensors) {
    const st = statusOf(id) ?? 'never_seen';
    dot.setAttribute('class', `sensor ${st}${state.sel?.kind === 'sensor' && state.sel.id === id ? ' selected' : ''}`);
    dot.dataset.status = st;
  }
}

function statusOf(id) {
  return state.status.get(id)?.status ?? state.shown?.sensors.get(id)?.status;
}

// --- The open district's sensors ----------------------------------------------------------
// Only one district's sensors are loaded, drawn and followed at a time: its list from
// /api/v1/sensors?district= (every page), its statuses live from `sensor-status/{district}`.
// A key limited to some domains may not follow that stream (it spans every domain), and a
// server that does not publish it answers a snapshot without data: then the page polls the
// list every SCOPED_POLL_MS instead.

let shownLoad = 0;

/** Opens district `id` on the map: loads, draws and follows its sensors. */
async function showDistrict(id) {
  if (state.shown?.id === id) return;
  const load = ++shownLoad;
  state.shown = { id, sensors: new Map(), live: false };
  state.status = new Map();
  drawSensors(state.map, []);
  if (!pollStatus) live?.follow('district', `sensor-status/${id}`);
  const list = await apiAll(`/api/v1/sensors?district=${encodeURIComponent(id)}`, 'sensors');
  if (load !== shownLoad) return;
  state.shown.sensors = new Map(list.map((s) => [s.id, s]));
  drawSensors(state.map, list);
  renderStatus();
}

/** Refreshes the open district's statuses from the REST list (when not live). */
async function pollDistrict() {
  const shown = state.shown;
  if (!shown || shown.live) return;
  const list = await apiAll(`/api/v1/sensors?district=${encodeURIComponent(shown.id)}`, 'sensors');
  if (state.shown !== shown) return;
  shown.sensors = new Map(list.map((s) => [s.id, s]));
  renderStatus();
  if (state.sel) renderDetails();
}

/** The district of sensor `id`: the open district's, or asked of the server. */
async function districtOf(id) {
  const known = state.shown?.sensors.get(id);
  if (known) return known.district;
  return (await api(`/api/v1/sensors/${encodeURIComponent(id)}`)).district;
}

// --- Details and trends --------------------------------------------------------------------

async function select(kind, id) {
  state.sel = kind ? { kind, id } : null;
  state.hour = [];
  state.day = [];
  state.sensor = null;
  history.replaceState(null, '', kind ? `#${kind}=${encodeURIComponent(id)}` : location.pathname + location.search);
  for (const [d, p] of state.map.districts) p.classList.toggle('selected', kind === 'district' && d === id);
  live?.follow('sensor', kind === 'sensor' ? `sensor/${id}` : null);
  renderStatus();
  renderDetails();
  const current = () => state.sel?.kind === kind && state.sel?.id === id;
  try {
    const district = kind === 'district' ? id : kind === 'sensor' ? await districtOf(id) : null;
    if (district && current()) await showDistrict(district);
  } catch (e) {
    console.warn('select', e);
  }
  if (!current()) return;
  renderStatus();
  renderDetails();
  loadTrends();
}

function trendSpec() {
  const sel = state.sel;
  if (!sel) return null;
  if (sel.kind === 'district') {
    const [domain, metric] = TREND_METRIC[state.layer];
    return { query: `domain=${domain}&district=${encodeURIComponent(sel.id)}&metric=${metric}`, metric, domain };
  }
  const s = state.shown?.sensors.get(sel.id) ?? state.sensor;
  if (!s) return null;
  const metric = Object.keys(state.sensor?.latest ?? {}).includes(SENSOR_METRIC[s.domain]) || !state.sensor
    ? SENSOR_METRIC[s.domain] : (Object.keys(state.sensor.latest)[0] ?? SENSOR_METRIC[s.domain]);
  return { query: `sensor=${encodeURIComponent(sel.id)}&metric=${metric}`, metric, domain: s.domain };
}

async function loadTrends() {
  const spec = trendSpec();
  $('#trends').hidden = !spec;
  if (!spec) return;
  $('#trend-metric').textContent = spec.metric;
  const now = Date.now();
  const key = `${state.sel.kind}/${state.sel.id}/${spec.metric}`;
  try {
    // Fixed steps keep both charts small: 60 points for the hour, 96 for the day.
    const [hour, day] = await Promise.all([
      api(`/api/v1/series?${spec.query}&from=${now - HOUR}&to=${now + 60_000}&step=60s`),
      api(`/api/v1/series?${spec.query}&from=${now - DAY}&to=${now + 60_000}&step=15m`),
    ]);
    if (key !== `${state.sel?.kind}/${state.sel?.id}/${trendSpec()?.metric}`) return;
    state.hour = mergePoints(hour.points, state.hour);
    state.day = day.points;
  } catch (e) {
    console.warn('series', e);
  }
  drawTrends();
}

/** Merges live points into history, one point per minute, at most 2 h kept. */
function mergePoints(a, b) {
  const m = new Map();
  for (const [ts, v] of [...a, ...b]) m.set(Math.floor(ts / 60_000) * 60_000, [ts, v]);
  const cut = Date.now() - 2 * HOUR;
  return [...m.values()].filter((p) => p[0] >= cut).sort((x, y) => x[0] - y[0]);
}

function drawTrends() {
  if (!state.sel) return;
  const now = Date.now();
  drawChart($('#trend-hour'), state.hour, now - HOUR, now, t('no_data'), fmtTime);
  drawChart($('#trend-day'), state.day, now - DAY, now, t('no_data'), (ms) => fmtTime(ms).slice(0, 5));
}

function renderDetails() {
  const box = $('#details-tiles');
  const title = $('#details-title');
  const sel = state.sel;
  if (!sel) {
    title.dataset.i18n = 'details_hint';
    title.textContent = t('details_hint');
    box.replaceChildren();
    return;
  }
  delete title.dataset.i18n;
  const tiles = [];
  const tile = (id, label) => {
    const el = box.querySelector(`#${id}`) ?? tileEl(id);
    el.querySelector('h2').textContent = label;
    tiles.push(el);
    return el;
  };
  if (sel.kind === 'district') {
    const d = state.city.districts.find((x) => x.id === sel.id);
    title.textContent = `${t('district')} ${d?.name ?? sel.id}`;
    const env = state.ind.get(`environment/${sel.id}`);
    const aqi = env?.data?.indicators?.vn_aqi;
    setTile(tile('d-aqi', t('aqi')), {
      value: aqi?.aqi, color: aqi?.color, asOf: env?.as_of, intervalMs: state.interval.environment,
      detail: aqi ? `${currentLang() === 'vi' ? aqi.label_vi : aqi.label_en} · ${aqi.dominant ?? ''}` : '',
    });
    const tr = state.ind.get(`traffic/${sel.id}`);
    const ti = tr?.data?.indicators;
    setTile(tile('d-congestion', t('congestion')), {
      value: pct(ti?.congestion_index), color: ti?.level ? LEVEL_COLOR[ti.level] : null,
      detail: ti ? `${t(ti.level ?? 'free')} · ${t('speed')} ${ti.mean_speed_kmh?.toFixed(0) ?? '—'} km/h` : '',
      asOf: tr?.as_of, intervalMs: state.interval.traffic,
    });
    const ps = state.ind.get(`public_service/${sel.id}`);
    const q = ps?.data?.indicators;
    setTile(tile('d-queue', t('queue_wait')), {
      value: mins(q?.avg_wait_s), detail: q ? `${t('waiting')} ${q.waiting ?? '—'} · ${t('sla')} ${pct(q.sla)}` : '',
      asOf: ps?.as_of, intervalMs: state.interval.public_service,
    });
    const ids = state.shown?.id === sel.id ? [...state.shown.sensors.keys()] : [];
    const online = ids.filter((id) => statusOf(id) === 'online').length;
    const newest = Math.max(env?.as_of ?? 0, tr?.as_of ?? 0, ps?.as_of ?? 0);
    setTile(tile('d-health', t('health')), {
      value: `${online}/${ids.length || (d?.sensor_count ?? 0)}`, detail: t('st_online'), asOf: newest || null, intervalMs: state.interval.min,
    });
  } else {
    const s = state.shown?.sensors.get(sel.id) ?? state.sensor;
    title.textContent = `${t('sensor')} ${sel.id} · ${s?.name ?? ''}`;
    const st = statusOf(sel.id) ?? state.sensor?.status ?? 'never_seen';
    const interval = (s?.expected_interval_s ?? 60) * 1000;
    const latest = state.sensor?.latest ?? {};
    const newest = Math.max(0, ...Object.values(latest).map((m) => m.ts));
    setTile(tile('s-status', t('status')), {
      value: t(`st_${st}`), detail: `${s?.domain ?? ''} · ${s?.district ?? ''}`,
      asOf: newest || null, intervalMs: interval, forceStale: st === 'late' || st === 'offline',
    });
    for (const [i, [metric, m]] of Object.entries(latest).slice(0, 5).entries()) {
      setTile(tile(`s-m${i}`, metric), {
        value: `${Number.isInteger(m.value) ? m.value : m.value.toFixed(1)} ${m.unit}`,
        asOf: m.ts, intervalMs: interval, forceStale: st === 'late' || st === 'offline',
      });
    }
  }
  box.replaceChildren(...tiles);
}

// --- Live data -----------------------------------------------------------------------------

function onData(msg) {
  const name = msg.stream;
  // A stream the server has not published yet snapshots without data: nothing to show (for
  // the open district's sensor-status, pollDistrict keeps the statuses meanwhile).
  if (!msg.data) return;
  if (name === 'kpi') {
    state.kpi = msg;
    renderKpi(msg);
  } else if (name === 'alerts') {
    if (msg.type === 'snapshot') alerts.setOpen(msg.data.open);
    else if (msg.data.change) alerts.upsert(msg.data.change.alert);
  } else if (name === 'incidents') {
    if (msg.type === 'snapshot') incidents.setOpen(msg.data.open);
    else if (msg.data.change) incidents.apply(msg.data.change.incident, msg.data.change.entry);
  } else if (name === 'events') {
    if (msg.type === 'snapshot') events.setRecent(msg.data.recent);
    else if (msg.data.event) events.add(msg.data.event);
  } else if (name.startsWith('sensor-status/')) {
    const shown = state.shown;
    if (!shown || name !== `sensor-status/${shown.id}`) return; // a district closed since
    shown.live = true;
    state.status = foldStatus(state.status, msg);
    renderStatus();
    if (state.sel) renderDetails();
  } else if (name.startsWith('sensor/')) {
    if (state.sel?.kind !== 'sensor' || `sensor/${state.sel.id}` !== name) return;
    const first = !state.sensor;
    state.sensor = msg.data;
    const spec = trendSpec();
    const m = msg.data.latest?.[spec.metric];
    if (m) state.hour = mergePoints(state.hour, [[m.ts, m.value]]);
    renderDetails();
    if (first) loadTrends(); else drawTrends();
  } else if (name.startsWith('indicators/')) {
    const [, domain, area] = name.split('/');
    state.ind.set(`${domain}/${area}`, { data: msg.data, as_of: msg.as_of });
    if (area !== 'city') renderMap();
    if (state.sel?.kind === 'district' && state.sel.id === area) {
      renderDetails();
      const spec = trendSpec();
      const w = msg.data.windows?.[spec.metric]?.windows?.['1m'];
      if (domain === spec.domain && w && msg.as_of) {
        state.hour = mergePoints(state.hour, [[msg.as_of, w.mean]]);
        drawTrends();
      }
    }
  }
}

function onConnState(s) {
  const badge = $('#conn');
  if (badge.dataset.state === s) return;
  badge.dataset.state = s;
  badge.dataset.i18n = `conn_${s}`;
  badge.textContent = t(`conn_${s}`);
}

// Made once signed in. A key limited to part of the city may not subscribe to the whole-city
// streams (kpi, alerts, incidents, events); it gets its indicators live and polls the REST
// API, which answers within its scope, for the rest. The open district's sensors: see
// showDistrict.
let live = null;
let pollStatus = false;  // true for a key limited to some domains (see showDistrict)
const WHOLE_CITY = ['kpi', 'alerts', 'incidents', 'events', 'indicators'];
const SCOPED_POLL_MS = 5000;
const SCOPED_INCIDENT_POLL_MS = 15_000;

async function pollScoped() {
  const [kpi, open] = await Promise.all([
    api('/api/v1/kpi'),
    apiAll('/api/v1/alerts?state=open', 'alerts'),
  ]);
  onData({ stream: 'kpi', type: 'snapshot', data: kpi, as_of: kpi.as_of });
  onData({ stream: 'alerts', type: 'snapshot', data: { open } });
}

async function pollScopedIncidents() {
  await incidents.poll();
  const recent = await api('/api/v1/events?limit=100');
  onData({ stream: 'events', type: 'snapshot', data: { recent: recent.events } });
}

function startLive(scoped) {
  live = new LiveStream(scoped ? ['indicators'] : WHOLE_CITY, onData, onConnState);
  if (scoped) {
    const poll = () => pollScoped().catch((e) => console.error('poll', e));
    poll();
    setInterval(poll, SCOPED_POLL_MS);
    const pollIncidents = () => pollScopedIncidents().catch((e) => console.error('poll incidents', e));
    pollIncidents();
    setInterval(pollIncidents, SCOPED_INCIDENT_POLL_MS);
  }
  setInterval(() => pollDistrict().catch((e) => console.error('poll district', e)), SCOPED_POLL_MS);
}

// --- Start ---------------------------------------------------------------------------------

function tick() {
  $('#clock').textContent = fmtTime(Date.now());
  for (const el of document.querySelectorAll('.tile[data-asof]')) refreshFreshness(el);
}

async function start() {
  applyLabels();
  setupLogin();
  $('#lang').textContent = currentLang() === 'vi' ? 'EN' : 'VI';
  $('#lang').addEventListener('click', () => {
    const lang = toggleLang();
    $('#lang').textContent = lang === 'vi' ? 'EN' : 'VI';
    if (state.kpi) renderKpi(state.kpi);
    renderMap();
    renderDetails();
    alerts.refresh();
    incidents.refresh();
    events.refresh();
  });
  $('#operator').value = localStorage.getItem('ioc.operator') ?? '';
  for (const b of document.querySelectorAll('[data-layer]')) {
    b.addEventListener('click', () => {
      state.layer = b.dataset.layer;
      for (const o of document.querySelectorAll('[data-layer]')) o.classList.toggle('on', o === b);
      renderMap();
      if (state.sel?.kind === 'district') { state.hour = []; loadTrends(); }
    });
  }
  for (const b of document.querySelectorAll('[data-tab]')) {
    b.addEventListener('click', () => {
      for (const o of document.querySelectorAll('[data-tab]')) o.classList.toggle('on', o === b);
      $('#alert-list').hidden = b.dataset.tab !== 'open';
      $('#alert-history').hidden = b.dataset.tab !== 'history';
      if (b.dataset.tab === 'history') alerts.loadHistory();
    });
  }
  tick();
  setInterval(tick, 1000);
  $('#logout').hidden = !authToken();
  if (!authToken()) {
    showLogin();
    return;
  }
  // The 24-hour chart moves slowly: refresh it every 5 minutes.
  setInterval(() => { if (state.sel) loadTrends(); }, 300_000);

  const me = await api('/api/v1/whoami');
  state.me = me;
  const scope = [...me.scope.domains, ...me.scope.districts];
  $('#who').textContent = `${me.role}${scope.length ? ` · ${scope.join(', ')}` : ''}`;
  pollStatus = me.scope.domains.length > 0;
  state.city = await api('/api/v1/city?sensors=false');
  $('#city-name').textContent = state.city.name;
  const byDomain = {};
  for (const [domain, s] of Object.entries(state.city.domain_interval_s)) byDomain[domain] = s * 1000;
  state.interval = { ...byDomain, min: Math.min(...Object.values(byDomain)) };
  state.map = drawMap($('#map'), state.city, select);
  events.attach(state.map);
  renderMap();
  alerts.render();
  incidents.loadProcedures();
  startLive(scope.length > 0);
  document.body.dataset.ready = '1';
  followFragment();
}

/** Opens what the fragment names, unless it is open already. */
function followFragment() {
  const want = linkedSelection();
  if (want && (state.sel?.kind !== want.kind || state.sel?.id !== want.id)) select(want.kind, want.id);
}

start().catch((e) => console.error('dashboard start', e));
