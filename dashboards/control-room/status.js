// Sensor status as the `sensor-status` and `sensor-status/{district}` streams send it
// (docs/websocket.md): a snapshot holds every sensor, `{"sensors": [...]}`; an update holds
// only the sensors whose status changed, `{"changed": [...]}`, folded by `id`. An update with
// `{"sensors": [...]}` (a server from before deltas) replaces the whole state.

/**
 * The state after one frame: a new Map of sensor id → `{id, domain, district, status}`.
 * Pure: `state` is not modified. A frame without data (a stream the server has not published
 * yet) leaves the state as it was.
 */
export function foldStatus(state, msg) {
  const data = msg.data;
  if (!data) return state;
  if (msg.type === 'snapshot' || Array.isArray(data.sensors)) {
    return new Map((data.sensors ?? []).map((s) => [s.id, s]));
  }
  const next = new Map(state);
  for (const s of data.changed ?? []) next.set(s.id, s);
  return next;
}
