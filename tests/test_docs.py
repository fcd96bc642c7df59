"""docs/ is the repository's own copy of the contract and the rule catalogue: it must say
exactly what the code enforces."""

from __future__ import annotations

from audit import docs
from audit.contract import TABLES
from audit.rules.registry import all_rules


def test_docs_folder_matches_the_code():
    for name, text in docs.render_all().items():
        on_disk = (docs.DOCS_DIR / name).read_text(encoding="utf-8")
        assert on_disk == text, f"docs/{name} is out of date: run python -m audit.docs"


def test_catalogue_names_every_rule_and_the_contract_every_column():
    rules, contract = docs.render_rules(), docs.render_contract()
    for r in all_rules():
        assert f"| {r.rule_id} | {r.kind} |" in rules
        for p in r.params:
            assert f"`{p.name}` = " in rules
    for table in TABLES.values():
        assert f"## {table.name} (" in contract
        assert all(f"| {c.name} |" in contract for c in table.columns)


def test_check_mode_names_the_stale_file(tmp_path, capsys):
    assert docs.main(["--out", str(tmp_path)]) == 0
    assert docs.main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "rules.md").write_text("old\n", encoding="utf-8")
    assert docs.main(["--check", "--out", str(tmp_path)]) == 1
    assert "rules.md" in capsys.readouterr().err
