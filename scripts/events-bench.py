#!/usr/bin/env python3
"""Events and incidents at several sizes, against a peer measured in the same run.

1. Events over MQTT: a recording of N camera detections spread over the city's districts is
   replayed flat out (QoS 1) through Mosquitto into one ioc (the decode stage stores each event
   before its ack). The peer is Mosquitto alone delivering the same recording to a QoS 1
   subscriber (mosquitto_sub). Prints events stored per second, and the ratio.
2. Incident actions: with K incidents already stored, 200 incidents are opened and each is
   assigned, over HTTP one after another; prints the p50 and p99 of each action, and the p50
   of GET /api/v1/kpi in the same run (a read of the live state, the peer), so that what an
   action costs can be read against a request that does not touch the incident tables.

    cargo build --release --workspace --bins
    scripts/events-bench.py --events 1000,10000 --incidents 0,1000,10000

Needs Debian's mosquitto and mosquitto-clients. Everything runs on loopback in a temporary
directory.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("cluster_bench", os.path.join(HERE, "cluster-bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

DISTRICTS = ["hai-chau", "son-tra", "thanh-khe", "lien-chieu", "cam-le", "ngu-hanh-son"]


def recording(work, n):
    """N crowd detections below the rules' confidence: stored, opening no incident."""
    path = os.path.join(work, "events.jsonl")
    now = int(time.time() * 1000)
    with open(path, "w") as f:
        for i in range(n):
            d = DISTRICTS[i % len(DISTRICTS)]
            payload = {"id": f"bench-{now}-{i}", "kind": "camera", "class": "crowd",
                       "confidence": 0.3, "lat": 16.06, "lon": 108.2, "ts": now}
            line = {"at_ms": now, "topic": f"city/events/{d}/cam-{i % 50}", "payload": json.dumps(payload)}
            f.write(json.dumps(line) + "\n")
    return path


def replay(work, stream, port):
    return subprocess.Popen(
        [bench.SIM, "--no-progress", "--log", "error", "replay", "--file", stream,
         "--broker", f"mqtt://127.0.0.1:{port}", "--as-fast-as-possible", "--max-rate", "0"],
        stdout=subprocess.DEVNULL, cwd=work)


def mosquitto_alone(work, stream, n):
    broker, port = bench.mosquitto(work)
    sub = subprocess.Popen(["mosquitto_sub", "-p", str(port), "-q", "1", "-t", "city/events/#",
                            "-C", str(n), "-i", "bench-sub"], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    start = time.monotonic()
    replay(work, stream, port).wait()
    sub.wait(120)
    secs = time.monotonic() - start
    broker.terminate()
    broker.wait()
    return secs


def stored(node):
    text = node.get("/metrics")
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
               if l.startswith("ioc_events_received_total") and 'result="stored"' in l)


def ioc_events(work, stream, n):
    broker, port = bench.mosquitto(work)
    node = bench.Node(work, "events", "", port, [])
    try:
        node.ready()
        start = time.monotonic()
        replay(work, stream, port).wait()
        while stored(node) < n and time.monotonic() - start < 300:
            time.sleep(0.05)
        return time.monotonic() - start
    finally:
        node.stop()
        broker.terminate()
        broker.wait()


def call(node, method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{node.http}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Authorization", f"Bearer {node.token}")
    req.add_header("Content-Type", "application/json")
    start = time.monotonic()
    with urllib.request.urlopen(req, timeout=10) as r:
        answer = json.loads(r.read() or b"null")
    return answer, (time.monotonic() - start) * 1000


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))]


def actions(work, k):
    # Requests one after another, as fast as they are answered: above the default per-key and
    # per-address rate limits, which are not what is measured here.
    os.environ.update({"IOC__HTTP__RATE_PER_KEY_PER_S": "100000", "IOC__HTTP__RATE_PER_KEY_BURST": "100000",
                       "IOC__HTTP__RATE_PER_IP_PER_S": "100000", "IOC__HTTP__RATE_PER_IP_BURST": "100000"})
    broker, port = bench.mosquitto(work)
    node = bench.Node(work, f"incidents-{k}", "", port, [])
    try:
        node.ready()
        new = {"title": "bench", "category": "traffic_jam", "severity": "minor", "district": "hai-chau"}
        for _ in range(k):
            call(node, "POST", "/api/v1/incidents", new)
        opened, assigned, kpi = [], [], []
        for _ in range(200):
            inc, ms = call(node, "POST", "/api/v1/incidents", new)
            opened.append(ms)
            _, ms = call(node, "POST", f"/api/v1/incidents/{inc['id']}/assign", {"assignee": "traffic-police"})
            assigned.append(ms)
            _, ms = call(node, "GET", "/api/v1/kpi")
            kpi.append(ms)
        return opened, assigned, kpi
    finally:
        node.stop()
        broker.terminate()
        broker.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", default="1000,10000")
    ap.add_argument("--incidents", default="0,1000,10000")
    args = ap.parse_args()
    for n in [int(s) for s in args.events.split(",")]:
        with tempfile.TemporaryDirectory() as work:
            stream = recording(work, n)
            peer = mosquitto_alone(work, stream, n)
            mine = ioc_events(work, stream, n)
            print(f"{n:>6} events | Mosquitto alone {n / peer:>8.0f}/s | ioc stored {n / mine:>8.0f}/s"
                  f" | ratio {peer / mine:.2f}")
    for k in [int(s) for s in args.incidents.split(",")]:
        with tempfile.TemporaryDirectory() as work:
            o, a, g = actions(work, k)
            print(f"{k:>6} incidents stored | open p50 {pct(o, .5):5.1f} ms p99 {pct(o, .99):5.1f} ms"
                  f" | assign p50 {pct(a, .5):5.1f} ms p99 {pct(a, .99):5.1f} ms"
                  f" | GET /kpi p50 {statistics.median(g):5.1f} ms")


if __name__ == "__main__":
    main()
