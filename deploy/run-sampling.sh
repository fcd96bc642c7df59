#!/usr/bin/env bash
# The monthly surprise-inspection draw, as the systemd timer or cron runs it.
#
# Names the cycle from today's date (YYYY-MM), draws THADS_SAMPLE_COUNT units
# from THADS_SOURCE and renders the cycle's report under outputs/sampling/.
# A cycle is drawn once: if the scheduler fires twice in a month the second
# run prints the recorded draw and changes nothing.
#
# Environment (systemd: /etc/thads-audit/sampling.env; cron: the crontab):
#   THADS_SOURCE          case records of every unit: file, folder or database URL (required)
#   THADS_SAMPLE_COUNT    units to draw (default 5)
#   THADS_SAMPLING_ROOT   where cycles are written (default outputs/sampling)
#   THADS_HISTORY         optional CSV unit_id,inspected_on of inspections outside the tool
#   THADS_REPORT_LANG     vi (default) or en
#   THADS_RANDOM_DELAY    wait a random 0..N seconds first (cron has no RandomizedDelaySec)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

: "${THADS_SOURCE:?set THADS_SOURCE to the case-records source}"
count="${THADS_SAMPLE_COUNT:-5}"
root="${THADS_SAMPLING_ROOT:-outputs/sampling}"
lang="${THADS_REPORT_LANG:-vi}"
delay="${THADS_RANDOM_DELAY:-0}"

if [ "$delay" -gt 0 ]; then
    # From the kernel's secure source: the firing time must not be guessable.
    sleep $(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % (delay + 1) ))
fi

# Taken after the delay: the cycle is the month the draw actually happens in.
cycle="$(date +%Y-%m)"
as_of="$(date +%F)"
history=()
if [ -n "${THADS_HISTORY:-}" ]; then
    history=(--history "$THADS_HISTORY")
fi

exec .venv/bin/audit sample units --source "$THADS_SOURCE" --as-of "$as_of" --cycle "$cycle" \
    --count "$count" --out "$root/$cycle" "${history[@]}" --report --lang "$lang"
