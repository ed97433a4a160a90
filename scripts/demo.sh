#!/usr/bin/env bash
# Runs the whole system on this machine: ioc with its embedded MQTT broker, the simulated
# city publishing to it, and `ioc-sim hook` printing the notifications ioc sends. Ctrl-C stops
# all three.
#
# Extra arguments go to ioc, e.g. ./scripts/demo.sh --config my.toml
# HTTP listens on 127.0.0.1:8080 and MQTT on 127.0.0.1:1883 unless configured otherwise
# (IOC__HTTP__LISTEN, IOC__BROKER__LISTEN). The hook listens on the first free port from
# 127.0.0.1:9099 (IOC_SIM_HOOK_LISTEN to choose), with a secret made for this run; with
# IOC__NOTIFY__WEBHOOK_URL already set, notifications go there instead and no hook starts.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --workspace --bins

http="${IOC__HTTP__LISTEN:-127.0.0.1:8080}"
mqtt="${IOC__BROKER__LISTEN:-127.0.0.1:1883}"
out="$(mktemp)"
ioc_pid=""
sim_pid=""
hook_pid=""
# Background jobs of a script ignore Ctrl-C: stop them here, whatever ends the script.
stop() {
  trap - EXIT
  for pid in "$sim_pid" "$ioc_pid" "$hook_pid"; do
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  wait 2>/dev/null || true
  rm -f "$out"
}
trap stop EXIT
trap 'exit 130' INT TERM

# True when something accepts connections on host:port.
listening() {
  (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null
}

hook=""
if [ -z "${IOC__NOTIFY__WEBHOOK_URL:-}" ]; then
  if [ -n "${IOC_SIM_HOOK_LISTEN:-}" ]; then
    hook="$IOC_SIM_HOOK_LISTEN"
  else
    for port in $(seq 9099 9199); do
      if ! listening "127.0.0.1:$port"; then hook="127.0.0.1:$port"; break; fi
    done
    [ -n "$hook" ] || { echo "no free port for the hook in 127.0.0.1:9099-9199; set IOC_SIM_HOOK_LISTEN" >&2; exit 1; }
  fi
  # A secret for this run only: ioc signs with it, the hook checks it. Passed through the
  # environment, not the command line, so it stays out of the process list.
  secret="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
  IOC_SIM_HOOK_SECRET="$secret" ./target/release/ioc-sim hook --listen "$hook" --log warn &
  hook_pid=$!
  for _ in $(seq 1 50); do
    if listening "$hook"; then break; fi
    if ! kill -0 "$hook_pid" 2>/dev/null; then echo "ioc-sim hook exited; see the message above" >&2; exit 1; fi
    sleep 0.1
  done
  export IOC__NOTIFY__WEBHOOK_URL="http://$hook/ioc"
  export IOC__NOTIFY__WEBHOOK_SECRET="$secret"
fi

# ioc prints its one-run admin token on stdout (when no API key exists yet); keep a copy.
./target/release/ioc "$@" > >(tee "$out") &
ioc_pid=$!

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
if [ -n "$hook" ]; then
  notifications="ioc-sim hook on http://$hook/ checks each signed notification and prints
                 one line here per alert or incident ioc sends (a secret made for this run)"
else
  notifications="sent to IOC__NOTIFY__WEBHOOK_URL ($IOC__NOTIFY__WEBHOOK_URL), as you set it"
fi

cat <<MSG

  ioc is running with the simulated city.
    dashboard    $dashboard
  Within two minutes Cẩm Lệ floods, Thanh Khê jams and smoke fills Hải Châu; cameras and
  citizens report them (docs/simulators.md, "The demo's first two minutes").
    notifications $notifications
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
  Ctrl-C stops everything (ioc, the simulator and the hook).

MSG
wait "$ioc_pid"
