"""Codes of the case-level anomalies: which course a planted case takes.

One code per case (0 = normal). :mod:`.anomalies` chooses the cases,
:mod:`.timeline` and :mod:`.life` give each code its course, and
:mod:`.truth` names the findings each code must produce.
"""

from __future__ import annotations

NONE = 0
DECISION_LATE = 1      # DL-DECISION: decision 6..20 working days after receipt
DECISION_MISSING = 2   # DL-DECISION: no decision at all
NOTIFY_LATE = 3        # DL-NOTIFY: first notification 4..15 working days after the decision
VERIFY_LATE = 4        # DL-VERIFY-FIRST: first verification 25..70 days after notification
VERIFY_MISSING = 5     # DL-VERIFY-FIRST: never verified
REVERIFY = 6           # DL-REVERIFY: latest verification 7..13 months old
REVERIFY_PRISON = 7    # DL-REVERIFY: long prison term, latest verification over 13 months old
PRISON_OK = 8          # long prison term, 8 months stale: must NOT be flagged
POSTPONE = 9           # DL-POSTPONE: postponed 100..300 days ago, never resumed
DISBURSE_LATE = 10     # DI-LATE: the last collection paid out 12..40 days later
DISBURSE_PARTIAL = 11  # DI-LATE: part paid out in time, the rest 15..45 days later
DISBURSE_HELD = 12     # DI-LATE: money still held on the as-of date
STALLED = 13           # ST-NO-ACTION: nothing recorded for 200..420 days (two per executor)
STALLED_EXTRA = 14     # ST-NO-ACTION as well, all given to the WL-STALLED-SHARE executor
ASSETS_FOUND = 15      # MC-ASSETS-FOUND: every verification found assets
NO_VERIFICATION = 16   # MC-NO-VERIFICATION: classified before the first verification
PERIOD_END = 17        # MC-PERIOD-END: with → without in September, last verification 35..80 days before
MODEL = 18             # MC-MODEL: recent, part paid, no asset flags, assets worth more than the debt
SPIKE = 19             # the MC-PERIOD-END unit's September wave (unit-level finding only)
# Near misses: a course on the very edge of a rule, which must NOT be reported.
DECISION_EDGE = 20     # DL-DECISION: decision on the fifth working day after receipt
NOTIFY_EDGE = 21       # DL-NOTIFY: first notification on the third working day after the decision
VERIFY_EDGE = 22       # DL-VERIFY-FIRST: first verification on the twentieth day after notification
DISBURSE_EDGE = 23     # DI-LATE: the last collection paid out on the tenth day
DECISION_UNRECORDED = 24  # the decision_date column is empty; the decision event is on time

# Verification patterns: what a verification's flags, value and outcome say.
CLEAN = 0          # nothing found: no flag, no value, without conditions
ASSETS_PLANT = 1   # MC-ASSETS-FOUND plants: a flag set, outcome either way
MODEL_PLANT = 2    # MC-MODEL plants: no flag, but assets worth several times the debt
FOUND = 3          # assets found (a flag, or other kinds of assets), with conditions

RULE_OF = {
    DECISION_LATE: "DL-DECISION", DECISION_MISSING: "DL-DECISION", NOTIFY_LATE: "DL-NOTIFY",
    VERIFY_LATE: "DL-VERIFY-FIRST", VERIFY_MISSING: "DL-VERIFY-FIRST", REVERIFY: "DL-REVERIFY",
    REVERIFY_PRISON: "DL-REVERIFY", POSTPONE: "DL-POSTPONE", DISBURSE_LATE: "DI-LATE",
    DISBURSE_PARTIAL: "DI-LATE", DISBURSE_HELD: "DI-LATE", STALLED: "ST-NO-ACTION",
    STALLED_EXTRA: "ST-NO-ACTION", ASSETS_FOUND: "MC-ASSETS-FOUND", NO_VERIFICATION: "MC-NO-VERIFICATION",
    PERIOD_END: "MC-PERIOD-END", MODEL: "MC-MODEL",
}
NOTE_OF = {
    DECISION_LATE: "decision late", DECISION_MISSING: "decision missing",
    NOTIFY_LATE: "first notification late", VERIFY_LATE: "first verification late",
    VERIFY_MISSING: "first verification missing", REVERIFY: "latest verification over 6 months old",
    REVERIFY_PRISON: "long prison term, latest verification over 12 months old",
    POSTPONE: "postponed over 90 days, not resumed", DISBURSE_LATE: "collection disbursed late",
    DISBURSE_PARTIAL: "collection only partly disbursed in time", DISBURSE_HELD: "collection still held",
    STALLED: "no action for over 180 days", STALLED_EXTRA: "no action for over 180 days (stalled executor)",
    ASSETS_FOUND: "classified without conditions, verification found assets",
    NO_VERIFICATION: "classified without conditions before any verification",
    PERIOD_END: "classified without conditions in September, no verification in the 30 days before",
    MODEL: "without conditions, but part paid and verified assets exceed the debt",
}
# Near misses: code -> (rule that must stay silent, note).
NEAR_OF = {
    PRISON_OK: ("DL-REVERIFY", "long prison term, latest verification 8 months old (limit 12)"),
    DECISION_EDGE: ("DL-DECISION", "decision on the fifth working day (the deadline day)"),
    NOTIFY_EDGE: ("DL-NOTIFY", "notified on the third working day (the deadline day)"),
    VERIFY_EDGE: ("DL-VERIFY-FIRST", "verified on the twentieth day after notification (the deadline day)"),
    DISBURSE_EDGE: ("DI-LATE", "collection paid out on the tenth day (the deadline day)"),
    DECISION_UNRECORDED: ("DL-DECISION", "decision_date empty, the decision event on time"),
}
