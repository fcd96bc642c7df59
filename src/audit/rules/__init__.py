"""Rules and detectors, one module per finding category, and their registry."""

from .registry import Param, Rule, RuleContext, all_rules, get_rule, rule, run_rules

__all__ = ["Param", "Rule", "RuleContext", "all_rules", "get_rule", "rule", "run_rules"]
