"""Rules and detectors, one module per finding category, and their registry.

Declaring a rule: :mod:`audit.rules.registry`. What a rule knows of the run:
:mod:`audit.rules.context`. Running them: :mod:`audit.rules.run`.
"""

from .registry import Param, Params, Rule, all_rules, get_rule, rule

__all__ = ["Param", "Params", "Rule", "all_rules", "get_rule", "rule"]
