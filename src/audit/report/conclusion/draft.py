"""The conclusion drafted from an audit: the official structure of CONCLUSION.md, in order.

I. Overview — II. Results by area (facts from the records and a gap for the
team's assessment) — III. Conclusions: strengths; violations case by case,
grouped by area, with those from before the period and after it apart, and the
matters to verify (indicators: nobody named); causes; responsibility — IV.
Recommendations per area and per person, with a remedy deadline and a separate
deadline to report — recipients and the signature of the agency's head —
annexes: the cases with violations, the matters to verify, the statistics, and
the provenance of the data with a glossary.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from ... import statistics
from ...contract import CONTRACT_VERSION
from ...i18n import catalogue, fmt_date, fmt_int, fmt_money, fmt_pct, t
from ...period import Period, resolve_period
from .facts import area_facts
from .inspection import Inspection
from .model import Annex, Block, Conclusion, Table
from .selection import AREAS, Selection, select

if TYPE_CHECKING:
    from ...pipeline import UnitAudit

__all__ = ["draft_conclusion", "remedy_deadline", "report_deadline"]

_LETTERS = "abcdđeghiklmn"  # points a), b), c), d), đ), e) ... in Vietnamese order
_ROMAN = ("I", "II", "III", "IV", "V", "VI")
# Violations that are the duty of the unit's head (resolving complaints, Art. 142 ff.), told
# without an executor and answered for in the collective responsibility.
_HEAD_DUTIES = frozenset({"DL-COMPLAINT"})
# An executor's average yearly caseload nationally (DOMAIN.md): 150–230 cases.
_NATIONAL_LOAD = (150, 230)


def _m(key: str, lang: str, **values: Any) -> str:
    return t(f"conclusion.{key}", lang, **values)


def remedy_deadline(as_of: dt.date, days: int) -> dt.date:
    """A deadline ``days`` calendar days after ``as_of`` (the workbook's dated column)."""
    return as_of + dt.timedelta(days=days)


def report_deadline(issue_date: dt.date | None, days: int, lang: str) -> str:
    """A deadline as the document states it: a date once the issue date is known, else a
    number of days from receipt."""
    if issue_date is not None:
        return _m("recommend.by_date", lang, date=fmt_date(issue_date + dt.timedelta(days=days), lang))
    return _m("recommend.within_days", lang, n=fmt_int(days, lang))


class _Writer:
    """Accumulates the document's pieces for one audit."""

    def __init__(self, result: UnitAudit, findings: pd.DataFrame, inspection: Inspection,
                 disposition: pd.Series | None) -> None:
        self.r = result
        self.lang = result.lang
        self.insp = inspection
        self.unit_id = str(result.unit.get("unit_id"))
        self.unit = str(result.unit.get("name") or self.unit_id)
        self.period: Period = result.period or resolve_period(result.as_of, result.period_start, result.period_end)
        self.sel: Selection = select(findings, self.unit_id, result.period_start, result.period_end, disposition)
        self.parent = self._unit_name(result.unit.get("parent_id"))
        self.issuer = inspection.issuer or self.parent or _m("header.issuer_placeholder", self.lang)
        self.names = (result.records.executors.drop_duplicates("executor_id")
                      .set_index("executor_id")["name"].astype("str"))
        self.table = statistics.enforcement_table(result.records, result.period_start, result.period_end)
        own = self.table.loc[self.table["unit_id"] == self.unit_id]
        self.totals = statistics.total_row(own)
        self.facts = area_facts(result)
        self.key_cases = statistics.key_cases(result.records, result.period_end, inspection.key_case_amount)
        self.remedy = report_deadline(inspection.issue_date, inspection.remedy_days, self.lang)
        self.report = report_deadline(inspection.issue_date, inspection.report_days, self.lang)
        self.remedy_short = (fmt_date(inspection.issue_date + dt.timedelta(days=inspection.remedy_days), self.lang)
                             if inspection.issue_date else _m("annex.days", self.lang,
                                                              n=fmt_int(inspection.remedy_days, self.lang)))
        self.numbers: dict[str, Any] = {}
        # Annex I's item number of each rule's group, for the recommendations to point at.
        self.annex_item: dict[str, int] = {}

    # -- small helpers ------------------------------------------------------
    def _unit_name(self, unit_id: Any) -> str:
        if unit_id is None or (isinstance(unit_id, float) and pd.isna(unit_id)) or unit_id is pd.NA:
            return ""
        units = self.r.records.units
        match = units.loc[units["unit_id"] == unit_id, "name"]
        return str(match.iloc[0]) if not match.empty and pd.notna(match.iloc[0]) else str(unit_id)

    def money(self, value: Any) -> str:
        return fmt_money(value, self.lang)

    def n(self, value: Any) -> str:
        return fmt_int(value, self.lang)

    def date(self, value: Any) -> str:
        return fmt_date(value, self.lang)

    def executor(self, executor_id: Any) -> str:
        if executor_id is None or pd.isna(executor_id):
            return _m("violations.no_executor", self.lang)
        return f"{self.names.get(executor_id, executor_id)} ({executor_id})"

    def basis(self, rows: pd.DataFrame) -> str:
        """The provisions the rows cite, each once ("Art. 47, LTHADS 2008" is part of "Art. 47,
        LTHADS 2008, applied under LTHADS 2025" when a group spans both laws)."""
        parts = list(dict.fromkeys(p.strip() for b in pd.unique(rows["legal_basis"].dropna())
                                   for p in str(b).split(";") if p.strip()))
        return "; ".join(p for p in parts if not any(q != p and q.startswith(p + ",") for q in parts))

    def breach(self, rule_id: str) -> str:
        return _m(f"rule.{rule_id}.breach", self.lang)

    # -- top matter ---------------------------------------------------------
    def header(self) -> dict[str, str]:
        lang, insp = self.lang, self.insp
        code = insp.issuer_code or _m("header.code_placeholder", lang)
        place = insp.place or _m("header.place_placeholder", lang)
        if insp.issue_date is not None:
            d = insp.issue_date
            place_date = _m("header.place_date_known", lang, place=place, day=f"{d.day:02d}",
                            month=f"{d.month:02d}" if d.month < 3 else str(d.month), year=d.year,
                            date=fmt_date(d, lang))
        else:
            place_date = _m("header.place_date", lang, place=place)
        return {
            "parent": (insp.parent_body or _m("header.parent_placeholder", lang)).upper(),
            "issuer": self.issuer.upper(),
            "number": _m("header.number", lang, code=code),
            "nation": _m("header.nation", lang), "motto": _m("header.motto", lang),
            "place_date": place_date, "draft": _m("header.draft", lang),
        }

    def bases(self) -> list[str]:
        lang, insp = self.lang, self.insp
        packs = self.r.settings.packs
        in_force = max((p for p in packs if p.effective_from <= self.r.as_of), key=lambda p: p.effective_from,
                       default=packs[-1])
        laws = [p.law.get(lang, p.name) for p in packs if p is in_force or p.effective_from <= self.r.period_end]
        lines = [_m("basis.given", lang, text=insp.powers) if insp.powers
                 else _m("basis.powers", lang, issuer=self.issuer)]
        lines += [_m("basis.law", lang, law=law) for law in dict.fromkeys(laws)]
        lines.append(_m("basis.given", lang, text=insp.regulation) if insp.regulation
                     else _m("basis.regulation", lang))
        lines.append(_m("basis.given", lang, text=insp.decision) if insp.decision
                     else _m("basis.decision", lang, unit=self.unit))
        lines.append(_m("basis.given_report", lang, text=insp.team_report) if insp.team_report
                     else _m("basis.report", lang))
        # Decree 30/2020: each basis ends with ";", the last with "."
        lines = [line.rstrip(" .;") for line in lines]
        return [line + (";" if i < len(lines) - 1 else ".") for i, line in enumerate(lines)]

    # -- I. overview --------------------------------------------------------
    def general(self) -> list[Block]:
        lang, tot = self.lang, self.totals
        executors = int(self.r.records.executors["unit_id"].eq(self.unit_id).sum())
        per = tot["cases_total"] / executors if executors else None  # type: ignore[operator]
        level = t(f"report.level.{self.r.unit.get('level')}", lang).lower()
        parent = _m("general.parent", lang, parent=self.parent) if self.parent else ""
        self.numbers["executors"] = executors
        return [
            Block("h1", _m("part.general", lang)),
            Block("p", _m("general.unit", lang, unit=self.unit, unit_id=self.unit_id, level=level, parent=parent,
                          executors=self.n(executors), cases=self.n(tot["cases_total"]),
                          money=self.money(tot["money_total"]),
                          per_executor=self.n(round(per)) if per is not None else "—")),
            Block("p", _m("general.scope", lang, cases=self.n(len(self.r.records.cases)), sampled="")),
            Block("gap", _m("general.context", lang)),
        ]

    # -- II. results --------------------------------------------------------
    def _stats_table(self) -> Table:
        lang, tot = self.lang, self.totals
        rows = []
        for part in ("carried_over", "new", "total", "with_conditions", "without_conditions", "unclassified",
                     "resolved", "completed", "terminated", "remaining"):
            rows.append([_m(f"stats.{part}", lang), self.n(tot[f"cases_{part}"]),
                         fmt_int(tot[f"money_{part}"], lang)])
        rows.append([_m("stats.rate", lang), fmt_pct(tot["cases_rate"], lang), fmt_pct(tot["money_rate"], lang)])
        return Table([_m("annex.col.row", lang), _m("annex.col.cases", lang), _m("annex.col.money", lang)],
                     rows, widths=[3, 1.2, 2], numeric=[False, True, True])

    def _targets(self) -> list[Block]:
        lang, year = self.lang, self.period.statistical_year
        target = self.insp.target(year)
        if not target:
            return [Block("gap", _m("results.no_targets", lang, year=year))]
        rates = {"cases": self.totals["cases_rate"], "money": self.totals["money_rate"]}
        met = {k: (rates[k] is not None and rates[k] >= v) for k, v in target.items()}  # type: ignore[operator]
        self.numbers["targets_met"] = met
        key = ("target_met" if all(met.values()) else "target_missed" if not any(met.values())
               else "target_cases_only" if met.get("cases") else "target_money_only")
        verdict = _m(f"results.{key}", lang)
        return [Block("p", _m("results.targets", lang, year=year,
                              target_cases=fmt_pct(target.get("cases"), lang, 0) if "cases" in target else "—",
                              target_money=fmt_pct(target.get("money"), lang, 0) if "money" in target else "—",
                              verdict=verdict))]

    def _by_type(self) -> str:
        lang = self.lang
        own = self.r.records
        by_type = statistics.enforcement_table(own, self.r.period_start, self.r.period_end, by="case_type")
        by_type = by_type.set_index("case_type")
        values: dict[str, str] = {}
        for code, key in (("corruption_economic", "ce"), ("bank_credit", "bc")):
            row = by_type.loc[code] if code in by_type.index else None
            values |= {f"{key}_total": self.n(row["cases_total"] if row is not None else 0),
                       f"{key}_money": self.money(row["money_total"] if row is not None else 0),
                       f"{key}_resolved": self.n(row["cases_resolved"] if row is not None else 0),
                       f"{key}_rate": fmt_pct(row["cases_rate"] if row is not None else None, lang),
                       f"{key}_money_rate": fmt_pct(row["money_rate"] if row is not None else None, lang)}
        return _m("results.by_type", lang, **values)

    def results(self) -> list[Block]:
        lang, tot = self.lang, self.totals
        blocks = [Block("h1", _m("part.results", lang))]
        self.numbers["totals"] = {k: v for k, v in tot.items()}
        number = 0

        def item(area: str) -> None:
            nonlocal number
            number += 1
            blocks.append(Block("h2", _m("results.item", lang, n=number,
                                         title=_m(f"results.area.{area}", lang))))

        item("results")
        blocks.append(Block("p", _m(
            "results.totals", lang, total=self.n(tot["cases_total"]), money_total=self.money(tot["money_total"]),
            carried=self.n(tot["cases_carried_over"]), money_carried=self.money(tot["money_carried_over"]),
            new=self.n(tot["cases_new"]), money_new=self.money(tot["money_new"]),
            with_=self.n(tot["cases_with_conditions"]), money_with=self.money(tot["money_with_conditions"]),
            resolved=self.n(tot["cases_resolved"]), completed=self.n(tot["cases_completed"]),
            terminated=self.n(tot["cases_terminated"]), money_resolved=self.money(tot["money_resolved"]),
            rate=fmt_pct(tot["cases_rate"], lang), money_rate=fmt_pct(tot["money_rate"], lang),
            remaining=self.n(tot["cases_remaining"]), money_remaining=self.money(tot["money_remaining"]))))
        if self.period.unusual:
            blocks.append(Block("p", _m(f"period_note.{self.period.kind}", lang, days=self.n(self.period.days),
                                        year=self.period.statistical_year)))
        blocks.append(Block("table", table=self._stats_table()))
        blocks += self._targets()
        blocks.append(Block("p", self._by_type()))
        key = self.key_cases
        blocks.append(Block("p", _m("results.key_cases", lang, threshold=self.money(self.insp.key_case_amount),
                                    n=self.n(len(key)), owed=self.money(int(key["owed"].sum())),
                                    without=self.n(int((key["condition"] == "without_conditions").sum())))))
        blocks.append(Block("gap", _m("results.assessment", lang)))

        item("classification")
        unresolved = tot["cases_total"] - tot["cases_resolved"]  # type: ignore[operator]
        share = tot["cases_without_conditions"] / unresolved if unresolved else None
        blocks.append(Block("p", _m("results.classification", lang, without=self.n(tot["cases_without_conditions"]),
                                    money_without=self.money(tot["money_without_conditions"]),
                                    share=fmt_pct(share, lang), unclassified=self.n(tot["cases_unclassified"]))))
        blocks += self._area_summary("classification")

        for area in ("decisions", "verification", "progress", "assets", "money", "suspension"):
            item(area)
            blocks.append(Block("p", _m(f"results.facts.{area}", lang, **self._fmt_facts(area))))
            if area == "money":
                blocks.append(Block("p", self._held_sentence()))
            blocks += self._area_summary(area)

        item("complaints")
        blocks += self._complaints()
        blocks += self._area_summary("complaints")
        item("followup")
        self.followup_item = number
        blocks += self._followup()
        item("statistics")
        blocks.append(Block("p", _m("results.facts.statistics", lang, **self._fmt_facts("statistics"))))
        blocks += self._area_summary("statistics")
        return blocks

    def _followup(self, limit: int = 100) -> list[Block]:
        """How the earlier conclusion was carried out, from the findings register."""
        lang, fu = self.lang, self.r.follow_up
        if fu is None or not fu.has_baseline:
            return [Block("gap", _m("results.followup_none", lang))]
        c = fu.counts
        self.numbers["follow_up"] = {**c, "earlier_as_of": fu.earlier_as_of.isoformat() if fu.earlier_as_of else None}
        blocks = [Block("p", _m("results.followup_facts", lang, earlier=self.date(fu.earlier_as_of),
                                as_of=self.date(self.r.as_of), n=self.n(c["recommendations"]),
                                remedied=self.n(c["remedied"]), not_remedied=self.n(c["not_remedied"]),
                                overdue=self.n(c["overdue"])))]
        if c["repeat"]:
            blocks.append(Block("p", _m("results.followup_repeat", lang, repeat=self.n(c["repeat"]))))
        open_items = fu.open_items
        if len(open_items):
            blocks.append(Block("p", _m("results.followup_open", lang)))
            col = lambda k: _m(f"results.followup_columns.{k}", lang)  # noqa: E731
            rows = [[str(r.case_id) if isinstance(r.case_id, str) else "",
                     self.breach(str(r.rule_id)) if f"conclusion.rule.{r.rule_id}.breach" in catalogue()
                     else str(r.rule_id),
                     self.date(r.remedy_deadline) if r.remedy_deadline is not None else "",
                     _m("results.followup_yes", lang) if r.overdue else ""]
                    for r in open_items.head(limit).itertuples(index=False)]
            blocks.append(Block("table", table=Table([col("case"), col("rule"), col("deadline"), col("overdue")],
                                                     rows, [1.3, 3.2, 1.2, 0.9])))
            if len(open_items) > limit:
                blocks.append(Block("note", _m("results.followup_more", lang, n=self.n(len(open_items) - limit))))
        blocks.append(Block("gap", _m("results.followup_assessment", lang)))
        return blocks

    def _fmt_facts(self, area: str) -> dict[str, str]:
        out = {}
        for k, v in self.facts[area].items():
            out[k] = self.money(v) if k in ("sold_value", "collected", "disbursed") else self.n(v)
        return out

    def _held_sentence(self) -> str:
        held: pd.DataFrame = self.facts["held"]
        limit = int(self.r.settings.param("DI-LATE", "days", 10))
        if held.empty:
            return _m("results.money_held_none", self.lang, as_of=self.date(self.r.as_of))
        over = held.loc[held["days"] > limit]
        self.numbers["money_held"] = int(held["held"].sum())
        return _m("results.money_held", self.lang, as_of=self.date(self.r.as_of), held=self.money(held["held"].sum()),
                  cases=self.n(len(held)), over=self.money(over["held"].sum()), over_cases=self.n(len(over)),
                  limit=self.n(limit))

    def _complaints(self) -> list[Block]:
        """Complaints as measures.complaint_counts counts them (the report's figures too)."""
        from ... import measures

        rec = self.r.records
        counts = measures.complaint_counts(rec, self.r.period_start, self.r.period_end)
        row = counts.loc[counts["unit_id"] == self.unit_id]
        v = self.sel.violations
        late = int(v.loc[v["rule_id"] == "DL-COMPLAINT", "entity_id"].nunique()) if len(v) else 0
        if len(row):
            r = {k: int(row.iloc[0][k]) for k in ("received", "resolved", "pending")}
            self.numbers["complaints"] = r | {"late": late}
            return [Block("p", _m("results.complaints", self.lang, received=self.n(r["received"]),
                                  resolved=self.n(r["resolved"]), pending=self.n(r["pending"]), late=self.n(late)))]
        s, e = pd.Timestamp(self.r.period_start), pd.Timestamp(self.r.period_end)
        ev = rec.events
        n = int(((ev["event_type"] == "complaint") & ev["event_date"].between(s, e)).sum())
        if n:  # only the event log records complaints: their outcome is unknown
            self.numbers["complaints"] = {"received": n}
            return [Block("p", _m("results.complaints", self.lang, received=self.n(n), resolved="—", pending="—",
                                  late="—"))]
        return [Block("p", _m("results.complaints_none", self.lang))]

    def _area_summary(self, area: str) -> list[Block]:
        v = self.sel.violations
        v = v.loc[v["area"] == area] if len(v) else v
        ind = self.sel.indicators
        ind = ind.loc[ind["area"] == area] if len(ind) else ind
        blocks = []
        if len(v):
            blocks.append(Block("p", _m("results.area_violations", self.lang, n=self.n(v["subject"].nunique()))))
        if len(ind):
            blocks.append(Block("p", _m("results.area_indicators", self.lang, n=self.n(ind["subject"].nunique()))))
        if not len(v) and not len(ind):
            blocks.append(Block("p", _m("results.area_clean", self.lang)))
        blocks.append(Block("gap", _m("results.assessment", self.lang)))
        return blocks

    # -- III. conclusions ---------------------------------------------------
    def _case_lines(self, rows: pd.DataFrame) -> list[Block]:
        """One line per case (its findings of one rule told together), most serious first."""
        lang = self.lang
        order = {"high": 0, "medium": 1, "low": 2}
        rows = rows.assign(_sev=rows["severity"].map(order),
                           _days=rows["days_over"].astype("float64").fillna(0),
                           _amount=rows["amount"].astype("float64").fillna(0))
        per = rows.sort_values(["_sev", "_days", "_amount", "subject"], ascending=[True, False, False, True],
                               kind="stable")
        cases = rows["case_id"]
        refs = self.r.records.cases.drop_duplicates("case_id").set_index("case_id")["judgment_ref"]
        lines = []
        for _subject, group in per.groupby("subject", sort=False):
            first = group.iloc[0]
            evidence = "; ".join(dict.fromkeys(group["evidence"].astype("str")))
            if pd.notna(first["case_id"]):
                ref = refs.get(first["case_id"])
                ref_text = _m("violations.ref", lang, ref=ref) if pd.notna(ref) and ref else ""
                if first["rule_id"] in _HEAD_DUTIES:  # the unit's head answers for it, not the case's executor
                    lines.append(Block("case", _m("violations.case_head", lang, case=first["case_id"], ref=ref_text,
                                                  evidence=evidence)))
                else:
                    lines.append(Block("case", _m("violations.case", lang, case=first["case_id"], ref=ref_text,
                                                  executor=self.executor(first["executor_id"]), evidence=evidence)))
            else:
                lines.append(Block("case", _m("violations.case_unit", lang, evidence=evidence)))
        del cases
        return lines

    def _violation_groups(self, frame: pd.DataFrame) -> list[Block]:
        """Per area (a), b) ...), per rule: the breach, its count of cases, money and basis,
        then the cases one by one (the most serious first, up to the inspection's limit)."""
        blocks: list[Block] = []
        letter = 0
        for area in AREAS:
            rows = frame.loc[frame["area"] == area]
            if rows.empty:
                continue
            blocks.append(Block("h3", _m("violations.area", self.lang, letter=_LETTERS[letter],
                                         title=_m(f"results.area.{area}", self.lang))))
            letter += 1
            for rid, group in rows.groupby("rule_id", sort=True):
                amounts = group["amount"].dropna()
                money = (_m("violations.group_money", self.lang, money=self.money(int(amounts.sum())))
                         if len(amounts) else "")
                blocks.append(Block("p", _m("violations.group", self.lang, breach=self.breach(str(rid)),
                                            cases=self.n(group["subject"].nunique()), money=money,
                                            basis=self.basis(group))))
                lines = self._case_lines(group)
                limit = self.insp.cases_in_body
                blocks += lines[:limit]
                if len(lines) > limit:
                    blocks.append(Block("case", _m("violations.more", self.lang, n=self.n(len(lines) - limit))))
            blocks.append(Block("gap", _m("violations.consequence", self.lang)))
        return blocks

    def conclusions(self) -> list[Block]:
        lang, sel = self.lang, self.sel
        blocks = [Block("h1", _m("part.conclusion", lang)), Block("h2", _m("strengths.heading", lang))]
        blocks += self._strengths()
        blocks.append(Block("h2", _m("violations.heading", lang)))
        stated = sel.violations
        self.numbers["violations"] = {
            "cases": int(stated["subject"].nunique()) if len(stated) else 0,
            "findings": int(len(stated)),
            "within_cases": int(sel.within["subject"].nunique()) if len(sel.within) else 0,
            "before_cases": int(sel.before["subject"].nunique()) if len(sel.before) else 0,
            "after_cases": int(sel.after["subject"].nunique()) if len(sel.after) else 0,
            "before_left_out": int(len(sel.before_left_out)),
            "money": int(stated["amount"].dropna().sum()) if len(stated) else 0,
            "by_rule": {str(k): int(v) for k, v in stated.groupby("rule_id")["subject"].nunique().items()}
            if len(stated) else {},
        }
        if sel.reviewed:
            blocks.append(Block("p", _m("violations.reviewed", lang, confirmed=self.n(sel.confirmed),
                                        unreviewed=self.n(sel.unreviewed), dismissed=self.n(sel.dismissed))))
        if len(sel.within):
            blocks.append(Block("p", _m("violations.intro", lang, cases=self.n(sel.within["subject"].nunique()),
                                        findings=self.n(len(sel.within)))))
            blocks += self._violation_groups(sel.within)
        else:
            blocks.append(Block("p", _m("violations.none", lang)))
        if len(sel.before):
            blocks.append(Block("h3", _m("violations.before.heading", lang)))
            blocks.append(Block("p", _m("violations.before.intro", lang, start=self.date(self.r.period_start),
                                        as_of=self.date(self.r.as_of),
                                        cases=self.n(sel.before["subject"].nunique()))))
            blocks += self._violation_groups(sel.before)
        if len(sel.before_left_out):
            blocks.append(Block("note", _m("violations.before.left_out", lang, n=self.n(len(sel.before_left_out)))))
        if len(sel.after):
            blocks.append(Block("h3", _m("violations.after.heading", lang)))
            blocks.append(Block("p", _m("violations.after.intro", lang,
                                        end_next=self.date(self.r.period_end + dt.timedelta(days=1)),
                                        as_of=self.date(self.r.as_of), cases=self.n(sel.after["subject"].nunique()))))
            blocks += self._violation_groups(sel.after)
        blocks += self._verify()
        blocks += self._causes()
        blocks += self._responsibility()
        return blocks

    def _strengths(self) -> list[Block]:
        lang, tot = self.lang, self.totals
        out = [Block("p", _m("strengths.resolved", lang, resolved=self.n(tot["cases_resolved"]),
                             money=self.money(self.facts["money"]["collected"])))]
        met = self.numbers.get("targets_met")
        if met and all(met.values()):
            out.append(Block("p", _m("strengths.target_met", lang, rate=fmt_pct(tot["cases_rate"], lang),
                                     money_rate=fmt_pct(tot["money_rate"], lang),
                                     verdict=_m("results.target_met", lang), year=self.period.statistical_year)))
        v = self.sel.violations
        busy = set(v["area"]) if len(v) else set()
        clean = [_m(f"results.area.{a}", lang).lower() if lang == "vi" else _m(f"results.area.{a}", lang).lower()
                 for a in AREAS if a not in busy and a not in ("results", "followup", "classification")]
        if clean:
            out.append(Block("p", _m("strengths.clean_areas", lang, areas="; ".join(clean))))
        out.append(Block("gap", _m("strengths.team", lang)))
        return out

    def _verify(self) -> list[Block]:
        ind = self.sel.indicators
        self.numbers["indicators"] = {"subjects": int(ind["subject"].nunique()) if len(ind) else 0,
                                      "findings": int(len(ind))}
        if ind.empty:
            return []
        lang = self.lang
        blocks = [Block("h3", _m("violations.verify.heading", lang)),
                  Block("p", _m("violations.verify.intro", lang, unit=self.unit, issuer=self.issuer,
                                deadline=self.report))]
        for key, group in ind.groupby(ind["category"].where(ind["category"] == "data_quality", ind["rule_id"]),
                                      sort=True):
            rule = "data_quality" if key == "data_quality" else str(key)
            blocks.append(Block("case", _m("violations.verify.item", lang,
                                           noticed=_m(f"rule.{rule}.noticed", lang),
                                           n=self.n(group["subject"].nunique()),
                                           check=_m(f"rule.{rule}.check", lang))))
        return blocks

    def _causes(self) -> list[Block]:
        lang, tot = self.lang, self.totals
        blocks = [Block("h2", _m("causes.heading", lang)), Block("p", _m("causes.objective", lang))]
        executors = self.numbers.get("executors") or 0
        if executors:
            per = tot["cases_total"] / executors  # type: ignore[operator]
            compare = ("above" if per > _NATIONAL_LOAD[1] else "below" if per < _NATIONAL_LOAD[0] else "within")
            blocks.append(Block("p", _m("causes.load", lang, per_executor=self.n(round(per)),
                                        compare=_m(f"causes.{compare}", lang))))
        blocks.append(Block("gap", _m("causes.team_objective", lang)))
        blocks.append(Block("p", _m("causes.subjective", lang)))
        v = self.sel.violations
        if len(v) and v["executor_id"].notna().any():
            per_ex = v.dropna(subset=["executor_id"]).groupby("executor_id")["subject"].nunique()
            per_ex = per_ex.sort_values(ascending=False)
            # A fifth of the executors with half the cases is worth saying; an even spread is not.
            k = max(1, len(per_ex) // 5)
            share = per_ex.head(k).sum() / per_ex.sum()
            if len(per_ex) >= 5 and share >= 0.5:
                blocks.append(Block("p", _m("causes.concentrated", lang, k=self.n(k), share=fmt_pct(share, lang, 0))))
        blocks.append(Block("gap", _m("causes.team_subjective", lang)))
        return blocks

    def _responsibility(self) -> list[Block]:
        lang = self.lang
        blocks = [Block("h2", _m("responsibility.heading", lang))]
        v = self.sel.violations
        if v.empty:
            return blocks + [Block("p", _m("responsibility.none", lang))]
        blocks.append(Block("p", _m("responsibility.collective", lang, unit=self.unit)))
        named = v.dropna(subset=["executor_id"])
        if len(named):
            blocks.append(Block("p", _m("responsibility.individual", lang)))
            per = named.groupby("executor_id")["subject"].nunique().sort_values(ascending=False, kind="stable")
            for ex, n_cases in per.items():
                mine = named.loc[named["executor_id"] == ex]
                kinds = "; ".join(_m("responsibility.kind", lang, breach=self.breach(str(r)), n=self.n(c))
                                  for r, c in mine.groupby("rule_id")["subject"].nunique().items())
                blocks.append(Block("case", _m("responsibility.executor", lang, name=self.names.get(ex, ex), id=ex,
                                               n=self.n(n_cases), kinds=kinds)))
        blocks.append(Block("gap", _m("responsibility.team", lang)))
        return blocks

    # -- IV. recommendations ------------------------------------------------
    def recommendations(self) -> list[Block]:
        lang = self.lang
        blocks = [Block("h1", _m("part.recommendations", lang))]
        v, ind = self.sel.violations, self.sel.indicators
        fu = self.r.follow_up
        overdue = fu.counts["overdue"] if fu is not None and fu.has_baseline else 0
        if v.empty and ind.empty and not overdue:
            return blocks + [Block("p", _m("recommend.none", lang)),
                             Block("p", _m("recommend.deadlines", lang, remedy=self.remedy, issuer=self.issuer,
                                           report=self.report))]
        blocks.append(Block("h2", _m("recommend.intro", lang, unit=self.unit)))
        lessons = []
        if len(v):
            for rid, group in v.groupby("rule_id", sort=True):
                ongoing = group.loc[group["ongoing"].fillna(False).astype("bool")]
                if len(ongoing):
                    amounts = ongoing["amount"].dropna()
                    money = (_m("violations.group_money", lang, money=self.money(int(amounts.sum())))
                             if len(amounts) else "")
                    blocks.append(Block("case", _m("recommend.remedy_item", lang,
                                                   measure=_m(f"rule.{rid}.remedy", lang),
                                                   n=self.n(ongoing["subject"].nunique()), money=money,
                                                   annex=self.n(self.annex_item.get(str(rid), 0)))))
                if len(ongoing) < len(group):
                    lessons.append(self.breach(str(rid)).lower() if lang == "vi" else self.breach(str(rid)))
        if lessons:
            blocks.append(Block("case", _m("recommend.lessons", lang, kinds="; ".join(lessons))))
        if overdue:
            blocks.append(Block("case", _m("recommend.overdue", lang, n=self.n(overdue),
                                           item=self.n(getattr(self, "followup_item", 0)))))
        if len(ind):
            blocks.append(Block("case", _m("recommend.verify", lang)))
        if len(v):
            blocks.append(Block("case", _m("recommend.accountability", lang)))
            named = v.dropna(subset=["executor_id"])
            if len(named):
                blocks.append(Block("h2", _m("recommend.executors", lang)))
                per = named.groupby("executor_id")["subject"].nunique().sort_values(ascending=False, kind="stable")
                for ex, n_cases in per.items():
                    blocks.append(Block("case", _m("recommend.executor_line", lang, name=self.names.get(ex, ex),
                                                   id=ex, n=self.n(n_cases))))
        blocks.append(Block("h2", _m("recommend.superior", lang)))
        blocks.append(Block("p", _m("recommend.deadlines", lang, remedy=self.remedy, issuer=self.issuer,
                                    report=self.report)))
        self.numbers["deadlines"] = {"remedy_days": self.insp.remedy_days, "report_days": self.insp.report_days,
                                     "issue_date": self.insp.issue_date.isoformat() if self.insp.issue_date else None}
        return blocks

    # -- recipients and signature -------------------------------------------
    def recipients(self) -> list[str]:
        lang, insp = self.lang, self.insp
        lines = [_m("recipients.label", lang), _m("recipients.unit", lang, unit=self.unit)]
        if self.parent and self.parent.upper() != self.issuer.upper():
            lines.append(_m("recipients.parent", lang, parent=self.parent))
        lines.append(_m("recipients.leadership", lang, issuer=self.issuer))
        lines.append(_m("recipients.procuracy", lang,
                        procuracy=insp.procuracy or _m("recipients.procuracy_placeholder", lang)))
        # The body above the issuer, to which it reports (the header's parent body).
        lines.append(_m("recipients.superior", lang, superior=insp.superior or insp.parent_body
                        or _m("header.parent_placeholder", lang).title()))
        lines += [_m("recipients.other", lang, text=x) for x in insp.other_recipients]
        lines.append(_m("recipients.archive", lang,
                        drafting=insp.drafting_unit or _m("recipients.drafting_placeholder", lang)))
        return lines

    def signature(self) -> dict[str, str]:
        lang, insp = self.lang, self.insp
        head = (insp.head_title or _m("signature.head_placeholder", lang)).upper()
        title = (insp.signer_title or _m("signature.title_placeholder", lang)).upper()
        deputy = bool(insp.signer_title) and insp.signer_title.upper() != head
        return {"authority": _m("signature.for_head", lang, head=head) if deputy or not insp.signer_title else "",
                "title": title if (deputy or not insp.signer_title) else head,
                "seal": _m("signature.seal", lang),
                "name": insp.signer_name or _m("signature.name_placeholder", lang)}

    # -- annexes ------------------------------------------------------------
    def annexes(self) -> list[Annex]:
        lang = self.lang
        code = self.insp.issuer_code or "…"
        attached = _m("annex.attached", lang, code=code, issuer=self.issuer)

        def number(i: int) -> str:
            return _m("annex.number", lang, roman=_ROMAN[i])

        return [
            Annex(number(0), _m("annex.violations", lang), attached, self._annex_violations()),
            Annex(number(1), _m("annex.verify", lang), attached, self._annex_verify()),
            Annex(number(2), _m("annex.statistics", lang), attached, self._annex_statistics()),
            Annex(number(3), _m("annex.provenance", lang), attached, self._annex_provenance(), landscape=False),
        ]

    def _annex_violations(self) -> list[Block]:
        lang, v = self.lang, self.sel.violations
        if v.empty:
            return [Block("p", _m("annex.none", lang))]
        col = lambda k: _m(f"annex.col.{k}", lang)  # noqa: E731
        refs = self.r.records.cases.drop_duplicates("case_id").set_index("case_id")["judgment_ref"]
        s, e = pd.Timestamp(self.r.period_start), pd.Timestamp(self.r.period_end)
        blocks: list[Block] = []
        for item, (rid, group) in enumerate(v.groupby("rule_id", sort=True), start=1):
            self.annex_item[str(rid)] = item
            blocks.append(Block("h3", _m("annex.group_heading", lang, n=item, breach=self.breach(str(rid)),
                                         basis=self.basis(group))))
            rows = []
            ordered = group.sort_values(["occurred_on", "subject"], kind="stable")
            for i, r in enumerate(ordered.itertuples(index=False), start=1):
                when = r.occurred_on
                place = (_m("annex.pre", lang) if pd.notna(when) and when < s else
                         _m("annex.post", lang) if pd.notna(when) and when > e else _m("annex.within", lang))
                ongoing = bool(r.ongoing) if pd.notna(r.ongoing) else False
                rows.append([
                    self.n(i), str(r.case_id) if pd.notna(r.case_id) else str(r.entity_id),
                    str(refs.get(r.case_id, "")) if pd.notna(r.case_id) and pd.notna(refs.get(r.case_id)) else "",
                    self.executor(r.executor_id) if pd.notna(r.case_id) else "",
                    f"{self.date(when)} ({place})" if pd.notna(when) else place,
                    self.n(r.days_over) if pd.notna(r.days_over) else "",
                    fmt_int(r.amount, lang) if pd.notna(r.amount) else "",
                    str(r.evidence),
                    self.remedy_short if ongoing else _m("annex.done", lang),
                ])
            blocks.append(Block("table", table=Table(
                [col("seq"), col("case"), col("ref"), col("executor"), col("date"), col("deadline_days"), col("amount"),
                 col("facts"), col("remedy")], rows, widths=[0.7, 1.5, 1.5, 1.8, 1.4, 0.8, 1.7, 4.2, 1.2],
                numeric=[True, False, False, False, False, True, True, False, False])))
        return blocks

    def _annex_verify(self) -> list[Block]:
        lang, ind = self.lang, self.sel.indicators
        if ind.empty:
            return [Block("p", _m("annex.none", lang))]
        col = lambda k: _m(f"annex.col.{k}", lang)  # noqa: E731
        rows = []
        ordered = ind.assign(_r=ind["category"].where(ind["category"] == "data_quality", ind["rule_id"]))
        for i, r in enumerate(ordered.sort_values(["_r", "subject"], kind="stable").itertuples(index=False), 1):
            rule = "data_quality" if r.category == "data_quality" else r.rule_id
            subject = (str(r.case_id) if pd.notna(r.case_id) else f"{r.entity_id}")
            # Indicators name no one: the sign is the rule's plain statement, not its evidence.
            rows.append([self.n(i), subject, _m(f"rule.{rule}.noticed", lang), _m(f"rule.{rule}.check", lang)])
        return [Block("table", table=Table([col("seq"), col("subject"), col("noticed"), col("check")], rows,
                                           widths=[0.7, 2, 6, 5], numeric=[True, False, False, False]))]

    def _annex_statistics(self) -> list[Block]:
        lang = self.lang
        col = lambda k: _m(f"annex.col.{k}", lang)  # noqa: E731
        blocks = [Block("h3", _m("annex.stats_table", lang)), Block("table", table=self._stats_table())]
        head = [col("type"), col("total"), col("with_"), col("without"), col("resolved"), col("rate"),
                col("money"), col("money_rate")]

        def rows_of(table: pd.DataFrame, key: str, label: Any) -> list[list[str]]:
            return [[label(x[key]), self.n(x["cases_total"]), self.n(x["cases_with_conditions"]),
                     self.n(x["cases_without_conditions"]), self.n(x["cases_resolved"]), fmt_pct(x["cases_rate"], lang),
                     fmt_int(x["money_total"], lang), fmt_pct(x["money_rate"], lang)]
                    for x in table.to_dict("records")]

        widths, numeric = [2.6, 1, 1, 1, 1, 1, 2, 1], [False] + [True] * 7
        by_type = statistics.enforcement_table(self.r.records, self.r.period_start, self.r.period_end, "case_type")
        blocks += [Block("h3", _m("annex.by_type", lang)),
                   Block("table", table=Table(head, rows_of(by_type, "case_type",
                                                            lambda c: t(f"code.type_{c}", lang)), widths, numeric))]
        by_ex = statistics.enforcement_table(self.r.records, self.r.period_start, self.r.period_end, "executor_id")
        blocks += [Block("h3", _m("annex.by_executor", lang)),
                   Block("table", table=Table([col("executor"), *head[1:]],
                                              rows_of(by_ex, "executor_id", self.executor), widths, numeric))]
        key = self.key_cases
        blocks.append(Block("h3", _m("annex.key_cases", lang)))
        if key.empty:
            blocks.append(Block("p", _m("annex.none", lang)))
        else:
            blocks.append(Block("table", table=Table(
                [col("seq"), col("case"), col("ref"), col("type"), col("executor"), col("amount"), col("owed"),
                 col("condition")],
                [[self.n(i), str(r.case_id), str(r.judgment_ref) if pd.notna(r.judgment_ref) else "",
                  t(f"code.type_{r.case_type}", lang), self.executor(r.executor_id), fmt_int(r.amount_due, lang),
                  fmt_int(r.owed, lang), t(f"code.{r.condition}", lang)]
                 for i, r in enumerate(key.itertuples(index=False), 1)],
                widths=[0.7, 1.6, 1.6, 1.8, 2, 1.7, 1.7, 1.6], numeric=[True, False, False, False, False, True, True,
                                                                        False])))
        held: pd.DataFrame = self.facts["held"]
        blocks.append(Block("h3", _m("annex.held", lang)))
        if held.empty:
            blocks.append(Block("p", _m("annex.none", lang)))
        else:
            blocks.append(Block("table", table=Table(
                [col("seq"), col("case"), col("executor"), col("held"), col("since"), col("days")],
                [[self.n(i), str(r.case_id), self.executor(r.executor_id), fmt_int(r.held, lang),
                  self.date(r.since), self.n(r.days)] for i, r in enumerate(held.itertuples(index=False), 1)],
                widths=[0.7, 1.8, 2.5, 1.8, 1.4, 0.8], numeric=[True, False, False, True, False, True])))
        blocks += [Block("h3", _m("annex.definitions", lang)), Block("p", _m("annex.definitions_text", lang))]
        return blocks

    def _annex_provenance(self) -> list[Block]:
        from ... import __version__

        lang, rec = self.lang, self.r.records
        p = lambda k: _m(f"annex.prov.{k}", lang)  # noqa: E731
        counts = rec.counts
        read = int(pd.to_numeric(counts["rows_read"]).sum()) if len(counts) else 0
        audited = int(pd.to_numeric(counts["rows_audited"]).sum()) if len(counts) else 0
        rejected = int(pd.to_numeric(counts["rows_rejected"]).sum()) if len(counts) else 0
        overrides = self.r.settings.overrides
        params = "; ".join(f"{rid}: " + ", ".join(f"{k}={v}" for k, v in vals.items())
                           for rid, vals in sorted(overrides.items())) or p("params_none")
        packs = "; ".join(f"{pk.law.get(lang, pk.name)} ({self.date(pk.effective_from)})"
                          for pk in self.r.settings.packs)
        peers = [u for u in self.r.peer_units if u != self.unit_id]
        rows = [
            [p("source"), source_name(rec.source)],
            [p("fingerprint"), rec.fingerprint],
            [p("rows"), _m("annex.prov.rows_value", lang, read=self.n(read), audited=self.n(audited),
                          rejected=self.n(rejected))],
            [p("packs"), packs],
            [p("params"), params],
            [p("rules"), self.n(len(self.r.timings))],
            [p("peers"), ", ".join(peers) or "—"],
            [p("version"), __version__],
            [p("contract"), str(CONTRACT_VERSION)],
            [p("inspection"), self.insp.source or "—"],
            [p("drafted"), self.date(dt.date.today())],
        ]
        glossary = [[_m(f"glossary.{k}.term", lang), _m(f"glossary.{k}.meaning", lang)]
                    for k in ("with_conditions", "without_conditions", "resolved", "rate", "carried", "violation",
                              "indicator", "working_days")]
        col = lambda k: _m(f"annex.col.{k}", lang)  # noqa: E731
        return [Block("table", table=Table([col("item"), col("value")], rows, widths=[2, 5])),
                Block("h3", _m("annex.glossary", lang)),
                Block("table", table=Table([col("term"), col("meaning")], glossary, widths=[2, 5]))]


def source_name(source: str) -> str:
    """The source as a reviewer may see it: a file's or folder's name, a database URL
    without credentials or host — never a path on the machine that ran the audit."""
    from ..outputs import redact

    text = redact(source or "")
    if "://" in text:
        scheme, _, rest = text.partition("://")
        rest = rest.rsplit("@", 1)[-1]
        database = rest.split("/", 1)[1] if "/" in rest else ""
        return f"{scheme.split('+')[0]} database {database.split('?')[0]}".strip()
    return text.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]


def draft_conclusion(result: UnitAudit, findings: pd.DataFrame | None = None, *,
                     inspection: Inspection | None = None,
                     disposition: pd.Series | None = None) -> Conclusion:
    """The conclusion of one unit audit.

    Parameters
    ----------
    result : UnitAudit
    findings : DataFrame, optional
        The findings to draw from (default: the audit's own).
    inspection : Inspection, optional
        The issuer, signer, legal bases, recipients, targets and deadlines (default:
        visible placeholders).
    disposition : Series, optional
        Each finding's disposition ("confirmed", "dismissed" or ""), aligned with
        ``findings``: with any given, only confirmed violations are stated.
    """
    f = result.findings if findings is None else findings
    w = _Writer(result, f, inspection or Inspection(), disposition)
    lang = w.lang
    header = w.header()
    annexes = w.annexes()  # first: it numbers Annex I's items, which the recommendations cite
    body = w.general() + w.results() + w.conclusions() + w.recommendations()
    return Conclusion(
        lang=lang, draft=True, header=header, title=_m("title", lang),
        summary=_m("summary", lang, unit=w.unit),
        period_line=_m("period_line", lang, start=w.date(result.period_start), end=w.date(result.period_end),
                       as_of=w.date(result.as_of)),
        bases=w.bases(),
        intro=_m("intro", lang, unit=w.unit, start=w.date(result.period_start), end=w.date(result.period_end),
                 as_of=w.date(result.as_of), issuer=w.issuer),
        body=body, recipients=w.recipients(), signature=w.signature(), annexes=annexes,
        numbers=w.numbers | {"period": {"start": result.period_start.isoformat(),
                                        "end": result.period_end.isoformat(), "kind": w.period.kind,
                                        "defaulted": w.period.defaulted}},
        meta={"unit": w.unit, "unit_id": w.unit_id, "issuer": w.issuer},
    )
