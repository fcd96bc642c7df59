#!/usr/bin/env bash
# The surprise-inspection sampling in its two steps, as the systemd timer or cron runs it (daily).
#
# Each run
#   1. draws every committed unit draw that is due: the delay after its commitment
#      (params/sampling.yaml, draw.delay_hours) has passed and the operator has provided
#      the value of the public round the commitment named; then renders the cycle's report;
#   2. commits this month's draw (cycle YYYY-MM) if the month has no commitment yet, and
#      prints the commitment (send it to the inspection lead) and the round to read.
# A draw that is not due, or whose value has not been provided, waits for a later run.
# Every cycle is committed once and drawn once; replacing a commitment is a manual
# `audit sample commit units ... --redraw --reason TEXT`, and stays in the log.
#
# Environment (systemd: /etc/thads-audit/sampling.env; cron: the crontab):
#   THADS_SOURCE            case records of every unit: file, folder or database URL (required)
#   THADS_SAMPLE_COUNT      units to draw (default 5)
#   THADS_SAMPLING_ROOT     where cycles are written (default outputs/sampling)
#   THADS_HISTORY           optional CSV unit_id,inspected_on of inspections outside the tool
#   THADS_SAMPLING_PARAMS   optional overrides of params/sampling.yaml (delay, public source, ...)
#   THADS_PUBLIC_VALUES     file of lines "SOURCE ROUND VALUE" the operator adds to once a
#                           round is published (default /etc/thads-audit/public-values.txt),
#                           e.g. "xsmb 2026-11-04 04817"
#   THADS_PUBLIC_VALUE      one "SOURCE ROUND VALUE" (used instead of the file)
#   AUDIT_SAMPLING_SECRETS  folder for the sealed secrets (default each cycle's sealed/)
#   THADS_REPORT_LANG       vi (default) or en
#   THADS_RANDOM_DELAY      wait a random 0..N seconds first (cron has no RandomizedDelaySec)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

: "${THADS_SOURCE:?set THADS_SOURCE to the case-records source}"
count="${THADS_SAMPLE_COUNT:-5}"
root="${THADS_SAMPLING_ROOT:-outputs/sampling}"
lang="${THADS_REPORT_LANG:-vi}"
delay="${THADS_RANDOM_DELAY:-0}"
values_file="${THADS_PUBLIC_VALUES:-/etc/thads-audit/public-values.txt}"
audit=.venv/bin/audit

if [ "$delay" -gt 0 ]; then
    # From the kernel's secure source: the commitment's moment must not be guessable.
    sleep $(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % (delay + 1) ))
fi

# Step 2 of earlier commitments: draw the ones that are due.
failed=0
for dir in "$root"/*/; do
    dir="${dir%/}"
    [ -f "$dir/units.commitment.json" ] && [ ! -f "$dir/units.json" ] || continue
    if [ -n "${THADS_PUBLIC_VALUE:-}" ]; then
        value=(--public-value "$THADS_PUBLIC_VALUE")
    elif [ -f "$values_file" ]; then
        value=(--public-values "$values_file")
    else
        echo "waiting: $dir: no public value provided yet (THADS_PUBLIC_VALUE or $values_file)" >&2
        continue
    fi
    rc=0
    "$audit" sample draw "$dir" "${value[@]}" --report --lang "$lang" || rc=$?
    if [ "$rc" -eq 75 ]; then
        echo "waiting: $dir: the draw is not due yet (see the line above)" >&2
    elif [ "$rc" -ne 0 ]; then
        failed=1
    fi
done

# Step 1 for this month: commit, once. The cycle is the month the commitment is made in.
cycle="$(date +%Y-%m)"
if [ ! -f "$root/$cycle/units.commitment.json" ]; then
    extra=()
    if [ -n "${THADS_HISTORY:-}" ]; then
        extra+=(--history "$THADS_HISTORY")
    fi
    if [ -n "${THADS_SAMPLING_PARAMS:-}" ]; then
        extra+=(--sampling-params "$THADS_SAMPLING_PARAMS")
    fi
    "$audit" sample commit units --source "$THADS_SOURCE" --as-of "$(date +%F)" --cycle "$cycle" \
        --count "$count" --out "$root/$cycle" "${extra[@]}" || failed=1
fi
exit "$failed"
