"""Rules and detectors, one module per finding category, and their registry.

Declaring a rule: :mod:`audit.rules.registry`. Running them: :mod:`audit.rules.run`.
"""

from .registry import Param, Params, Rule, RuleContext, all_rules, get_rule, rule

__all__ = ["Param", "Params", "Rule", "RuleContext", "all_rules", "get_rule", "rule"]
