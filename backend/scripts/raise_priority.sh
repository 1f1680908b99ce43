#!/usr/bin/env bash
# Put every process under PID (its descendants) back to normal priority.
#
#   scripts/raise_priority.sh PID
#
# `make test` runs Vitest and the PostgreSQL pass at nice 19 beside the SQLite pass and
# calls this when that pass ends: on a machine kept busy by other work, suites left at
# nice 19 would get almost no CPU. Lowering niceness needs root; without it they stay low.
set -euo pipefail

root="$1"
pids=$(ps -eo pid=,ppid=,ni= | awk -v root="$root" '
    { parent[$1] = $2; nice[$1] = $3 }
    END {
        for (p in parent) {
            q = p
            while (q in parent && q != root && q > 1) q = parent[q]
            if (q == root && p != root && nice[p] > 0) print p
        }
    }')
if [[ -z "$pids" ]]; then
    exit 0
fi
# shellcheck disable=SC2086  # one argument per pid
if renice -n 0 -p $pids >/dev/null 2>&1; then
    echo "SQLite pass done: the suites still running are back at normal priority."
else
    echo "SQLite pass done: the suites still running stay at low priority (needs root to raise)."
fi
