"""Surprise-inspection sampling: which units to inspect, and which of their cases.

- :func:`sample_units` draws units with probability proportional to a risk score
  (:mod:`.risk`) by randomised systematic PPS with recorded inclusion probabilities,
  plus a coverage rule over the inspection history (:mod:`.history`);
- :func:`sample_cases` draws a unit's cases: every high-severity case, a stratified
  random sample and a monetary-unit sample, sized by audit-sampling formulas (:mod:`.cases`);
- every draw is committed before it is made and reproducible from its revealed seed
  (:mod:`.commit`); :func:`verify` recomputes and checks it (:mod:`.verify`);
- :func:`render_report` turns a cycle into a self-contained HTML page (:mod:`.report`).
"""

from .cases import attribute_sample_size, draw_cases, mus_sample_size, sample_cases
from .commit import LOG_NAME, read_log, read_result
from .params import load_params
from .report import render_report
from .units import draw_units, inclusion_probabilities, sample_units, systematic_pps
from .verify import VerificationError, Verified, verify

__all__ = ["sample_units", "sample_cases", "verify", "render_report", "load_params", "read_log",
           "read_result", "LOG_NAME", "VerificationError", "Verified", "attribute_sample_size",
           "mus_sample_size", "draw_cases", "draw_units", "inclusion_probabilities", "systematic_pps"]
