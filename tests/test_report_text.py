"""Every text a reviewer reads comes from the message catalogue, in both languages.

The report, the conclusion and the workbook are read in Vietnamese and in
English: a key missing in either language fails, and so does a human sentence
written straight into the code that builds them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from audit.i18n import LANGUAGES, catalogue

REPORT = Path(__file__).resolve().parents[1] / "src" / "audit" / "report"
# Modules that build what reviewers read (the runner's and manifest's own messages are
# for operators, in English, like the rest of the command line's).
# (The conclusion's inspection-file reader and data model speak to operators and developers.)
_OPERATOR_FACING = {"inspection.py", "model.py"}
READER_FACING = sorted([*REPORT.glob("sections/*.py"),
                        *(p for p in REPORT.glob("conclusion/*.py") if p.name not in _OPERATOR_FACING),
                        REPORT / "display.py",
                        REPORT / "charts.py", REPORT / "charts_market.py", REPORT / "workbook.py",
                        REPORT / "facts.py"])
_USED_KEY = re.compile(r"""t\(\s*f?["']((?:report|conclusion|workbook)\.[\w.{}\-]+)["']""")
# The conclusion's writer asks for its keys without the "conclusion." prefix.
_CONCLUSION_KEY = re.compile(r"""_m\(\s*f?["']([\w.{}\-]+)["']""")
# Technical strings that read like words: matplotlib placements, Word fonts and
# styles, CSS class lists.
TECHNICAL = frozenset({"lower left", "upper left", "offset points", "Times New Roman", "List Number",
                       "List Bullet", "Table Grid", "note more"})
# Two or more words of letters, as a sentence or a label would have.
_WORDS = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}", re.UNICODE)


@pytest.mark.parametrize("prefix", ["report.", "conclusion.", "workbook.", "rule.", "category.", "code."])
def test_every_message_has_both_languages(prefix):
    keys = {k: v for k, v in catalogue().items() if k.startswith(prefix)}
    assert keys
    missing = [k for k, v in keys.items() for lang in LANGUAGES if not str(v.get(lang, "")).strip()]
    assert missing == []


def test_every_key_the_code_asks_for_exists():
    known = catalogue()
    for path in READER_FACING:
        text = path.read_text(encoding="utf-8")
        keys = _USED_KEY.findall(text) + [f"conclusion.{k}" for k in _CONCLUSION_KEY.findall(text)]
        for key in keys:
            if "{" in key:  # a key built from a code: check the fixed part is a known prefix
                stem = key.split("{")[0]
                assert any(k.startswith(stem) for k in known), (path.name, key)
            else:
                assert key in known, (path.name, key)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _human(text: str) -> bool:
    """Prose, as opposed to markup, CSS, formats, codes and identifiers."""
    visible = re.sub(r"<[^>]*>?|\{[^}]*\}|&\w+;", " ", text)
    # Word paragraph styles of the conclusion's template ("KL Heading 1") are names, not prose.
    if text in TECHNICAL or text.startswith("KL ") or re.search(r"[=:;#]\s*$|^\s*[.#]?[\w-]+\s*\{|\b(?:class|style|data|aria|href|src)\b", text):
        return False
    return bool(_WORDS.search(visible))


@pytest.mark.parametrize("path", READER_FACING, ids=lambda p: p.name)
def test_no_human_text_is_hard_coded(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    found = [node.value for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
             and _human(node.value)]
    assert found == []
