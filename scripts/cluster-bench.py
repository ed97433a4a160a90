#!/usr/bin/env python3
"""Stored readings per second for one ioc node against two partitions of the same city, in the
same run, on one Mosquitto: the same recorded stream is replayed flat out (QoS 1) into each
layout, and the rate is the readings stored by all nodes over the time from the first publish
to the last store. Prints one line per size and layout, and the ratio.

    cargo build --release --workspace --bins
    scripts/cluster-bench.py --sensors 2880,28800 --messages 300000

Needs Debian's mosquitto. Everything runs on loopback in a temporary directory.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IOC = os.path.join(ROOT, "target/release/ioc")
SIM = os.path.join(ROOT, "target/release/ioc-sim")
TOKEN = re.compile(r"ioc_[0-9a-f]+_[0-9a-f]+")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mosquitto(work):
    port = free_port()
    conf = os.path.join(work, f"mosquitto-{port}.conf")
    with open(conf, "w") as f:
        f.write(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 0\nmax_inflight_messages 20000\n"
        )
    proc = subprocess.Popen(["mosquitto", "-c", conf], stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.025)
    sys.exit("mosquitto did not start")


class Node:
    def __init__(self, work, name, city, broker, districts):
        self.http = free_port()
        self.out = os.path.join(work, f"{name}-{self.http}.out")
        env = dict(os.environ)
        env.update(
            {
                "IOC__CITY__PATH": city,
                "IOC__MQTT__URL": f"mqtt://127.0.0.1:{broker}",
                "IOC__HTTP__LISTEN": f"127.0.0.1:{self.http}",
                "IOC__STORE__PATH": os.path.join(work, f"{name}-{self.http}.db"),
                "IOC__LOG__FILTER": "warn",
            }
        )
        if districts:
            env.update(
                {
                    "IOC__CLUSTER__NAME": "bench",
                    "IOC__CLUSTER__NODE_ID": name,
                    "IOC__CLUSTER__DISTRICTS": ",".join(districts),
                }
            )
        self.proc = subprocess.Popen(
            [IOC], env=env, stdout=open(self.out, "w"), stderr=subprocess.STDOUT
        )
        self.token = None

    def get(self, path):
        req = urllib.request.Request(f"http://127.0.0.1:{self.http}{path}")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.read().decode()

    def ready(self):
        for _ in range(600):
            try:
                if self.token is None:
                    m = TOKEN.search(open(self.out).read())
                    self.token = m.group(0) if m else None
                if self.token and '"ready"' in self.get("/readyz"):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        sys.exit(f"ioc did not get ready; see {self.out}")

    def stored(self):
        text = self.get("/metrics")
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("ioc_store_readings_total")
        )

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def run(work, city, stream, layout):
    broker, port = mosquitto(work)
    with open(city, "rb") as f:
        ids = [d["id"] for d in tomllib.load(f)["districts"]]
    if layout == "1 node":
        nodes = [Node(work, "one", city, port, [])]
    else:
        half = len(ids) // 2
        nodes = [
            Node(work, "north", city, port, ids[:half]),
            Node(work, "south", city, port, ids[half:]),
        ]
    for n in nodes:
        n.ready()
    time.sleep(1)
    start = time.monotonic()
    replay = subprocess.Popen(
        [SIM, "--no-progress", "--log", "error", "--config", os.path.join(work, "sim.toml"),
         "replay", "--file", stream, "--broker", f"mqtt://127.0.0.1:{port}",
         "--as-fast-as-possible", "--max-rate", "0"],
        stdout=subprocess.DEVNULL,
    )
    last, last_change = 0.0, time.monotonic()
    while time.monotonic() - last_change < 3 or replay.poll() is None:
        total = sum(n.stored() for n in nodes)
        if total > last:
            last, last_change = total, time.monotonic()
        time.sleep(0.2)
    for n in nodes:
        n.stop()
    broker.terminate()
    broker.wait()
    return last, last_change - start


def recording(work, size, about):
    """A generated city of `size` sensors in `work` and a recording of about `about` of its
    messages: (city file, recording, messages)."""
    city = os.path.join(work, "city.toml")
    subprocess.run([SIM, "--no-progress", "gen-city", "--sensors", str(size), "--out", city],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(work, "sim.toml"), "w") as f:
        f.write(f'[city]\npath = "{city}"\n')
    with open(city, "rb") as f:
        per_s = sum(1 / s["interval_s"] for s in tomllib.load(f)["sensors"])
    seconds = max(10, int(about / per_s))
    stream = os.path.join(work, "stream.jsonl")
    subprocess.run([SIM, "--no-progress", "--log", "error", "--config",
                    os.path.join(work, "sim.toml"), "run", "--out", stream,
                    "--duration", str(seconds), "--catch-up", "0"],
                   check=True, stdout=subprocess.DEVNULL)
    return city, stream, sum(1 for _ in open(stream))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensors", default="2880,28800")
    ap.add_argument("--messages", type=int, default=300_000, help="about this many per size")
    args = ap.parse_args()
    for size in [int(s) for s in args.sensors.split(",")]:
        with tempfile.TemporaryDirectory() as work:
            city, stream, messages = recording(work, size, args.messages)
            rates = {}
            for layout in ["1 node", "2 partitions"]:
                readings, secs = run(work, city, stream, layout)
                rates[layout] = readings / secs
                print(f"{size:>7} sensors | {messages:>7} messages | {layout:<12} | "
                      f"{readings:>9.0f} readings stored in {secs:6.2f} s | "
                      f"{rates[layout]:>8.0f} readings/s", flush=True)
            print(f"{size:>7} sensors | 2 partitions / 1 node = "
                  f"{rates['2 partitions'] / rates['1 node']:.2f}", flush=True)


if __name__ == "__main__":
    main()
