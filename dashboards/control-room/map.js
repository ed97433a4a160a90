// The district map: SVG paths from the city's [lon, lat] polygons (no tiles), projected
// equirectangularly around the city's mean latitude; sensors as circles coloured by status.
const NS = 'http://www.w3.org/2000/svg';

/**
 * Draws districts and sensors into `svg` and returns the elements by id.
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
  for (const s of city.sensors) {
    const [x, y] = proj([s.lon, s.lat]);
    const dot = document.createElementNS(NS, 'circle');
    dot.setAttribute('cx', x);
    dot.setAttribute('cy', y);
    dot.setAttribute('r', 0.0007);
    dot.setAttribute('class', 'sensor never_seen');
    dot.dataset.id = s.id;
    const title = document.createElementNS(NS, 'title');
    title.textContent = `${s.id} · ${s.name}`;
    dot.append(title);
    dot.addEventListener('click', (ev) => { ev.stopPropagation(); onPick('sensor', s.id); });
    gS.append(dot);
    sensors.set(s.id, dot);
  }
  svg.replaceChildren(gD, gS, gL);
  return { districts, labels, sensors };
}
