// A small SVG line chart: no library, at most MAX_POINTS drawn (older points are thinned).
const NS = 'http://www.w3.org/2000/svg';
const MAX_POINTS = 400;

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Draws `points` ([[ms, value|null]]) into `svg`, between `from` and `to` (ms). */
export function drawChart(svg, points, from, to, emptyText, fmtTime) {
  svg.replaceChildren();
  const w = svg.clientWidth || 400;
  const h = svg.clientHeight || 110;
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  let pts = points.filter((p) => p[1] !== null && p[0] >= from && p[0] <= to);
  if (pts.length > MAX_POINTS) {
    const every = Math.ceil(pts.length / MAX_POINTS);
    pts = pts.filter((_, i) => i % every === 0 || i === pts.length - 1);
  }
  if (!pts.length) {
    svg.append(el('text', { x: w / 2, y: h / 2, 'text-anchor': 'middle', class: 'empty' }, emptyText));
    return;
  }
  let lo = Math.min(...pts.map((p) => p[1]));
  let hi = Math.max(...pts.map((p) => p[1]));
  if (hi === lo) { hi += 1; lo -= 1; }
  const pad = { l: 44, r: 8, t: 8, b: 18 };
  const x = (t) => pad.l + ((t - from) / (to - from)) * (w - pad.l - pad.r);
  const y = (v) => h - pad.b - ((v - lo) / (hi - lo)) * (h - pad.t - pad.b);
  svg.append(el('polyline', { points: pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ') }));
  const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));
  svg.append(el('text', { x: 2, y: pad.t + 8 }, fmt(hi)));
  svg.append(el('text', { x: 2, y: h - pad.b }, fmt(lo)));
  svg.append(el('text', { x: pad.l, y: h - 3 }, fmtTime(from)));
  svg.append(el('text', { x: w - pad.r, y: h - 3, 'text-anchor': 'end' }, fmtTime(to)));
}
