#!/usr/bin/env python3
"""Import rate against live ingest of the same recording, in the same run: a stream of the
simulated city is written as a recording, replayed flat out (QoS 1) through Mosquitto into one
ioc (the live path, the peer), then loaded into a fresh store with `ioc import`. Prints the
readings stored per second of each and the ratio, per city size.

    cargo build --release --workspace --bins
    scripts/import-bench.py --sensors 288,2880,28800 --messages 300000

Needs Debian's mosquitto. Everything runs on loopback in a temporary directory.
"""

import argparse
import importlib.util
import os
import re
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("cluster_bench", os.path.join(HERE, "cluster-bench.py"))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def imported(work, city, stream):
    env = dict(os.environ, IOC__CITY__PATH=city, IOC__STORE__PATH=os.path.join(work, "import.db"),
               IOC__LOG__FILTER="error")
    start = time.monotonic()
    out = subprocess.run([bench.IOC, "import", "--quiet", stream], env=env, check=True,
                         capture_output=True, text=True).stdout
    secs = time.monotonic() - start
    stored = re.search(r"imported .*?: \d+ lines: (\d+) readings stored", out)
    return int(stored.group(1)), secs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sensors", default="288,2880,28800")
    ap.add_argument("--messages", type=int, default=300_000, help="about this many per size")
    args = ap.parse_args()
    for size in [int(s) for s in args.sensors.split(",")]:
        with tempfile.TemporaryDirectory() as work:
            city, stream, messages = bench.recording(work, size, args.messages)
            live, live_s = bench.run(work, city, stream, "1 node")
            imp, imp_s = imported(work, city, stream)
            for name, readings, secs in [("live", live, live_s), ("import", imp, imp_s)]:
                print(f"{size:>7} sensors | {messages:>7} messages | {name:<6} | "
                      f"{readings:>9.0f} readings stored in {secs:6.2f} s | "
                      f"{readings / secs:>8.0f} readings/s", flush=True)
            print(f"{size:>7} sensors | import / live = {(imp / imp_s) / (live / live_s):.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
