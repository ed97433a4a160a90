#!/usr/bin/env bash
# Runs the whole system on this machine: ioc with its embedded MQTT broker and the simulated
# city publishing to it. Ctrl-C stops both.
#
# Extra arguments go to ioc, e.g. ./scripts/demo.sh --config my.toml
# HTTP listens on 127.0.0.1:8080 and MQTT on 127.0.0.1:1883 unless configured otherwise
# (IOC__HTTP__LISTEN, IOC__BROKER__LISTEN).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --workspace --bins

http="${IOC__HTTP__LISTEN:-127.0.0.1:8080}"
mqtt="${IOC__BROKER__LISTEN:-127.0.0.1:1883}"
# ioc prints its one-run admin token on stdout (when no API key exists yet); keep a copy.
out="$(mktemp)"
./target/release/ioc "$@" > >(tee "$out") &
ioc_pid=$!
sim_pid=""
stop() {
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null || true
  kill -TERM "$ioc_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f "$out"
}
trap stop EXIT INT TERM

for _ in $(seq 1 100); do
  if curl -fsS "http://$http/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$ioc_pid" 2>/dev/null; then echo "ioc exited; see the message above" >&2; exit 1; fi
  sleep 0.2
done

./target/release/ioc-sim run --broker "mqtt://$mqtt" &
sim_pid=$!

token="$(grep -o 'ioc_[0-9a-f]\{12\}_[0-9a-f]\{48\}' "$out" | head -n 1 || true)"
if [ -n "$token" ]; then
  dashboard="http://$http/#token=$token"
  auth="-H 'Authorization: Bearer $token'"
else
  dashboard="http://$http/   (sign in with an API key: ./target/release/ioc keys create --role viewer)"
  auth="-H 'Authorization: Bearer <your API key>'"
fi

cat <<MSG

  ioc is running with the simulated city.
    dashboard    $dashboard
  The API needs the token:
    curl $auth http://$http/api/v1/kpi
    indicators   http://$http/api/v1/indicators
    sensors      http://$http/api/v1/sensors?domain=traffic&district=hai-chau
    one sensor   http://$http/api/v1/sensors/tl-0042
    rejections   http://$http/api/v1/ingest/rejections
    metrics      http://$http/metrics
    readiness    http://$http/readyz  (no token needed)
  Publish your own reading:
    mosquitto_pub -h ${mqtt%:*} -p ${mqtt##*:} -q 1 -t city/traffic/hai-chau/tl-0042 -m '{"vehicle_count": 42, "avg_speed_kmh": 31.5}'
  Ctrl-C stops everything.

MSG
wait "$ioc_pid"
