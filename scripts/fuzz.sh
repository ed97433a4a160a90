#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target (fuzz/fuzz_targets/) for SECONDS each (default 300), starting
# from the committed seeds (fuzz/seeds/<target>/) plus whatever an earlier run left in
# fuzz/corpus/<target>/ (ignored by git). Installs cargo-fuzz when it is missing; needs the
# nightly toolchain. One fuzzing process at a time (libFuzzer's default; no -jobs/-workers,
# which would also send the output to fuzz-N.log): the machine is shared.
#
#   ./scripts/fuzz.sh            # every target, 300 s each
#   ./scripts/fuzz.sh 60         # every target, 60 s each
#   ./scripts/fuzz.sh 60 decode  # one target
#
# A crash stops the run; its input is in fuzz/artifacts/<target>/. Reproduce it with
#   cargo +nightly fuzz run -s none <target> fuzz/artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-300}"
shift || true
targets=("$@")

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal

if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

# Safe Rust only (unsafe_code is forbidden), so no sanitizer: several times the executions.
# Release build with debug assertions (cargo-fuzz's default): overflow checks stay on.
cargo +nightly fuzz build -s none

for target in "${targets[@]}"; do
  corpus="fuzz/corpus/$target"
  mkdir -p "$corpus"
  cp -n "fuzz/seeds/$target"/* "$corpus"/ 2>/dev/null || true
  echo "== fuzzing $target for ${seconds}s"
  cargo +nightly fuzz run -s none "$target" "$corpus" -- \
    -max_total_time="$seconds" -print_final_stats=1
done
