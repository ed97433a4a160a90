// The district map: SVG paths from the city's [lon, lat] polygons (no tiles), projected
// equirectangularly around the city's mean latitude; the sensors of one district at a time as
// circles coloured by status (a city may have 100,000 sensors: never one node each); above
// them a layer for the recent events' markers (events.js).
const NS = 'http://www.w3.org/2000/svg';

/**
 * Draws the districts into `svg` and returns the elements by id, with an empty sensor layer
 * that `drawSensors` fills and an empty event layer (`events`) that events.js fills.
 * `onPick(kind, id)` is called on a click on a district or a sensor.
 */
export function drawMap(svg, city, onPick) {
  const all = city.districts.flatMap((d) => d.polygon);
  const lat0 = all.reduce((s, p) => s + p[1], 0) / all.length;
  const k = Math.cos((lat0 * Math.PI) / 180);
  const xs = all.map((p) => p[0] * k);
  const ys = all.map((p) => -p[1]);
  const minX = Math.min(...xs); const maxX = Math.max(...xs);
  const minY = Math.min(...ys); const maxY = Math.max(...ys);
  const pad = 0.004;
  svg.setAttribute('viewBox', `${minX - pad} ${minY - pad} ${maxX - minX + 2 * pad} ${maxY - minY + 2 * pad}`);
  const proj = ([lon, lat]) => [lon * k, -lat];
  const districts = new Map();
  const labels = new Map();
  const sensors = new Map();
  const gD = document.createElementNS(NS, 'g');
  const gL = document.createElementNS(NS, 'g');
  const gS = document.createElementNS(NS, 'g');
  const gE = document.createElementNS(NS, 'g');
  gE.setAttribute('class', 'events');
  for (const d of city.districts) {
    const path = document.createElementNS(NS, 'path');
    path.setAttribute('d', `M${d.polygon.map((p) => proj(p).join(',')).join('L')}Z`);
    path.setAttribute('class', 'district');
    path.setAttribute('fill', 'var(--none)');
    path.dataset.id = d.id;
    path.addEventListener('click', () => onPick('district', d.id));
    gD.append(path);
    districts.set(d.id, path);
    const c = d.polygon.map(proj).reduce((a, p) => [a[0] + p[0] / d.polygon.length, a[1] + p[1] / d.polygon.length], [0, 0]);
    const text = document.createElementNS(NS, 'text');
    text.setAttribute('class', 'label');
    text.setAttribute('x', c[0]);
    text.setAttribute('y', c[1]);
    const name = document.createElementNS(NS, 'tspan');
    name.textContent = d.name;
    const value = document.createElementNS(NS, 'tspan');
    value.setAttribute('class', 'v');
    value.setAttribute('x', c[0]);
    value.setAttribute('dy', '0.005');
    text.append(name, value);
    gL.append(text);
    labels.set(d.id, value);
  }
  svg.replaceChildren(gD, gS, gE, gL);
  return { districts, labels, sensors, layer: gS, events: gE, proj, onPick };
}

/**
 * Replaces the sensor layer with `list` (sensors with `lat` and `lon`; others are skipped)
 * and returns the circles by id, also kept in `map.sensors`.
 */
export function drawSensors(map, list) {
  const dots = [];
  map.sensors.clear();
  const placed = list.filter((s) => typeof s.lat === 'number' && typeof s.lon === 'number');
  const points = placed.map((s) => map.proj([s.lon, s.lat]));
  const r = radius(points);
  for (const [i, s] of placed.entries()) {
    const [x, y] = points[i];
    const dot = document.createElementNS(NS, 'circle');
    dot.setAttribute('cx', x);
    dot.setAttribute('cy', y);
    dot.setAttribute('r', r);
    if (r < 0.0007) dot.style.strokeWidth = r / 3; // a dense district: thinner outlines
    dot.setAttribute('class', 'sensor never_seen');
    dot.dataset.id = s.id;
    dot.dataset.district = s.district;
    const title = document.createElementNS(NS, 'title');
    title.textContent = `${s.id} · ${s.name ?? ''}`;
    dot.append(title);
    dot.addEventListener('click', (ev) => { ev.stopPropagation(); map.onPick('sensor', s.id); });
    dots.push(dot);
    map.sensors.set(s.id, dot);
  }
  map.layer.replaceChildren(...dots);
  return map.sensors;
}

/** A dot size that keeps a dense district readable: about a third of the mean spacing. */
function radius(points) {
  if (points.length < 2) return 0.0007;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const area = (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
  const spacing = Math.sqrt(area / points.length);
  return Math.min(0.0007, Math.max(0.00008, spacing / 3));
}
