"""Surprise-inspection sampling: which units to inspect, and which of their cases.

- :func:`commit_units` and :func:`commit_cases` fix a draw's inputs — the sampling
  frame with every unit's risk score (:mod:`.risk`) or every case of a unit, the
  parameters, the history — seal a fresh secret and log the commitment, naming the
  public randomness round the draw will use (:mod:`.commit`, :mod:`.public`);
- :func:`draw`, not before the configured delay, mixes the secret with the
  round's public value and draws: units with probability proportional to risk
  (randomised systematic PPS, known π, coverage rule, :mod:`.units`), cases by
  certainty, stratified and monetary-unit samples (:mod:`.cases`) (:mod:`.draw`);
- :func:`verify` recomputes and checks everything, from the log's hash chain to
  every ``selected`` flag (:mod:`.verify`);
- :func:`render_report` turns a cycle into a self-contained HTML page (:mod:`.report`).
"""

from .cases import attribute_sample_size, commit_cases, draw_cases, mus_sample_size
from .commit import FORMAT, NotYet, VerificationError
from .draw import draw
from .log import LOG_NAME, LogError, check_log, read_log
from .params import load_params
from .report import read_cycle, render_report
from .units import commit_units, draw_units, inclusion_probabilities, systematic_pps
from .verify import CycleCheck, Verified, verify

__all__ = ["commit_units", "commit_cases", "draw", "verify", "render_report", "read_cycle", "load_params",
           "read_log", "check_log", "LOG_NAME", "FORMAT", "VerificationError", "NotYet", "LogError",
           "CycleCheck", "Verified", "attribute_sample_size", "mus_sample_size", "draw_cases", "draw_units",
           "inclusion_probabilities", "systematic_pps"]
