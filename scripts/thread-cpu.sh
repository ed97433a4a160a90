#!/usr/bin/env bash
# CPU per thread name of a running process over an interval, from /proc/<pid>/task/*/stat
# (user + system time, % of one core). Used to split ioc's CPU between the store writer, the
# tokio workers, the snapshot and the fsync thread (docs/performance.md).
#
#   scripts/thread-cpu.sh PID [SECONDS]     # default 5 s
set -euo pipefail
pid=${1:?usage: scripts/thread-cpu.sh PID [SECONDS]}
secs=${2:-5}
[ -d "/proc/$pid" ] || { echo "no process $pid" >&2; exit 1; }
hz=$(getconf CLK_TCK)

snap() {
    for t in /proc/"$pid"/task/*; do
        # Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
        stat=$(cat "$t/stat" 2>/dev/null) || continue
        rest=${stat##*) }
        read -r -a f <<<"$rest"
        printf '%s\t%s\t%s\n' "${t##*/}" "$(cat "$t/comm")" $((f[11] + f[12]))
    done | sort
}

before=$(snap)
sleep "$secs"
after=$(snap)
join -t $'\t' <(echo "$before") <(echo "$after") |
    awk -F'\t' -v s="$secs" -v hz="$hz" '{ used[$2] += $5 - $3 }
        END { for (n in used) printf "%6.1f %%  %s\n", 100 * used[n] / hz / s, n }' |
    sort -rn
