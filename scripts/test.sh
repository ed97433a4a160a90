#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing (Debian's Mosquitto,
# VictoriaMetrics, which speaks the InfluxDB v2 write API, openssl for test certificates, and chromium with chromedriver for
# the dashboard's browser test, HAProxy and docker-compose for deploy/, and pysmartdatamodels and
# aiosmtpd from PyPI in a venv), then checks formatting and lints and runs every test of the
# workspace.
#
#   ./scripts/test.sh            # everything
#   ./scripts/test.sh -- NAME    # only tests whose name contains NAME (passed to cargo test)
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
# The MQTT TLS test (tests/api/mqtt_security.rs) makes its CA and certificates with openssl.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/victoria-metrics ] || command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
# The dashboard's browser test (tests/api/dashboard.rs) drives Debian's chromium through chromedriver.
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
# deploy/ is checked with the real tools (tests/api/deploy.rs, tests/api/cluster_failover.rs):
# HAProxy runs in front of two replicas; docker-compose only parses the compose file.
[ -x /usr/sbin/haproxy ] || command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
# The CAP test (tests/api/cap.rs) validates each public warning against OASIS's schema with xmllint.
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
# The venv for pysmartdatamodels (below): Debian's python3 makes venvs with python3-venv.
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c "import ensurepip" >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing test dependencies: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python peers from PyPI, in a venv of their own under target/: pysmartdatamodels (its jsonschema
# validates what ioc serves as NGSI-LD against the vendored Smart Data Models schemas,
# tests/api/ngsi.rs) and aiosmtpd (the SMTP server the email notifications reach,
# tests/api/notify.rs).
venv=target/test-venv
if ! "$venv/bin/python" -c "import pysmartdatamodels, jsonschema, referencing, aiosmtpd" >/dev/null 2>&1; then
  echo "== installing pysmartdatamodels and aiosmtpd (PyPI) into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pysmartdatamodels aiosmtpd
fi
export IOC_TEST_PYTHON="$PWD/$venv/bin/python"
"$IOC_TEST_PYTHON" tests/ngsi/selftest.py >/dev/null

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace "$@"
