// The live push client (docs/websocket.md): subscribes, keeps each stream's seq and the
// server's epoch, and after a drop reconnects with capped, jittered backoff and resumes with
// resume_from + epoch, so the server sends only what was missed (or a marked snapshot).
import { authToken } from './app.js';

const PING_MS = 5000;      // app-level ping; the pong proves the path is alive end to end
const STALE_MS = 15000;    // nothing heard for this long: the connection is stale, reconnect
const BACKOFF_MAX_MS = 10000;

export class LiveStream {
  /**
   * @param {string[]} streams names or patterns to subscribe to
   * @param {(msg: object) => void} onData called with every snapshot and update
   * @param {(state: 'connecting'|'live'|'reconnecting'|'stale') => void} onState
   */
  constructor(streams, onData, onState) {
    this.base = streams;
    this.extra = new Map();     // slot → a stream added later (the selected sensor, district)
    this.seq = new Map();       // concrete stream name → last seq
    this.epoch = null;
    this.onData = onData;
    this.onState = onState;
    this.attempt = 0;
    this.lastHeard = 0;
    this.ws = null;
    setInterval(() => this.watchdog(), 1000);
    this.connect();
  }

  connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // The token rides in a subprotocol (never the URL, which ends up in logs); the server
    // selects `ioc.v1` and so never echoes it.
    const token = authToken();
    const protocols = token ? ['ioc.v1', `ioc.bearer.${token}`] : ['ioc.v1'];
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/stream`, protocols);
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = () => { if (this.ws === ws) this.retry(); };
    ws.onerror = () => ws.close();
  }

  retry() {
    this.ws = null;
    this.onState('reconnecting');
    const delay = Math.min(BACKOFF_MAX_MS, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt = Math.min(this.attempt + 1, 6);
    setTimeout(() => this.connect(), delay);
  }

  watchdog() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const silent = Date.now() - this.lastHeard;
    if (silent > STALE_MS) {
      this.onState('stale');
      this.ws.close();
    } else if (silent > PING_MS) {
      this.send({ op: 'ping' });
    }
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  subscribe(streams) {
    const msg = { op: 'subscribe', streams };
    const resume = {};
    for (const s of this.seq.keys()) resume[s] = this.seq.get(s);
    if (this.epoch && Object.keys(resume).length) {
      msg.resume_from = resume;
      msg.epoch = this.epoch;
    }
    this.send(msg);
  }

  /**
   * Follows `name` in `slot` (e.g. 'sensor' → `sensor/tl-0042`, 'district' →
   * `sensor-status/hai-chau`), dropping the slot's previous stream; `null` empties the slot.
   */
  follow(slot, name) {
    const old = this.extra.get(slot);
    if (old === name) return;
    if (old) {
      this.send({ op: 'unsubscribe', streams: [old] });
      this.seq.delete(old);
    }
    if (name) {
      this.extra.set(slot, name);
      this.send({ op: 'subscribe', streams: [name] });
    } else {
      this.extra.delete(slot);
    }
  }

  receive(text) {
    this.lastHeard = Date.now();
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    switch (msg.type) {
      case 'hello':
        if (this.epoch && this.epoch !== msg.epoch) this.seq.clear();
        this.attempt = 0;
        this.onState('live');
        // Resume the concrete streams we know; patterns only on the first connection.
        this.subscribe(this.seq.size
          ? [...new Set([...this.seq.keys(), ...this.base.filter((s) => !s.startsWith('indicators'))])]
          : this.base);
        for (const s of this.extra.values()) if (!this.seq.has(s)) this.send({ op: 'subscribe', streams: [s] });
        this.epoch = msg.epoch;
        break;
      case 'snapshot':
      case 'update': {
        const last = this.seq.get(msg.stream);
        if (msg.type === 'update' && last !== undefined && msg.seq !== last + 1 && msg.seq <= last) return; // a duplicate
        this.seq.set(msg.stream, msg.seq);
        this.onState('live');
        this.onData(msg);
        break;
      }
      case 'lagged':
        break; // snapshots marked resync follow
      case 'error':
        console.warn('stream error', msg.code, msg.message);
        break;
      default:
        break;
    }
  }
}
