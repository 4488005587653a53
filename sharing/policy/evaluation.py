"""Run a JSONL file of search cases through the engine and report decisions, misses and the share right.

Usage::

    python -m sharing.policy.evaluation /work/shared/policy-cases/dev.jsonl

Each line holds ``id, reason, case_number, offense, agency, agency_kind, agency_state,
expect (allow|deny), why``. The searcher's agency is built from agency/agency_kind/
agency_state (its immigration-enforcement flag comes from the agency name through the
same text analysis); the city runs the Washington preset with home state WA unless a
policy is passed. As the cases' README says, the agency is assumed to have an active
sharing agreement except where federal / out-of-state sharing is forbidden (the
engine's agency rules refuse those).

An optional ``preset`` (WA, CA, IL or other; default WA) picks the city's preset for that case.
Scoring is on allow/deny: a decision held for a supervisor counts as right for a case that must be
refused and as wrong for one that must be allowed; the report counts holds separately. Each result also says whether the rule family named by
``why`` appears among the rules that fired (informational).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from io import TextIOBase
from pathlib import Path
from typing import Any, TextIO

from . import presets
from .engine import evaluate_search
from .text import looks_like_immigration_agency
from .types import AGENCY_KINDS, LOCAL, AgencyProfile, Decision, PolicyRules, SearchRequest

# words in `why` -> rule-code fragments that should appear among the fired rules
_WHY_RULES = (
    ("immigration agency", ("agency.immigration_enforcement",)),
    ("immigration", ("prohibited_purpose.immigration", "agency.immigration_enforcement")),
    ("vague", ("vague_reason", "missing_reason")),
    ("out of state", ("agency.out_of_state_not_permitted",)),
    ("federal", ("agency.federal_not_permitted",)),
    ("protected activity", ("prohibited_purpose.first_amendment",)),
    ("first amendment", ("prohibited_purpose.first_amendment",)),
    ("reproductive", ("prohibited_purpose.reproductive_health_care",)),
    ("case number", ("missing_case_number",)),
    ("offense", ("offense_not_permitted", "missing_offense_type")),
    ("partial", ("partial_plate_too_short",)),
    ("legit", ("allowed",)),
)


@dataclass
class CaseResult:
    id: str
    expected: str
    got: str
    rule: str
    rules: tuple[str, ...]
    why: str
    message: str
    rule_agrees: bool | None  # None when `why` names no known rule family

    preset: str = "WA"

    @property
    def correct(self) -> bool:
        if self.got == "hold":
            return self.expected == "deny"
        return self.expected == self.got


@dataclass
class EvaluationReport:
    path: str
    results: list[CaseResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.results)

    @property
    def held(self) -> int:
        return sum(r.got == "hold" for r in self.results)

    @property
    def misses(self) -> list[CaseResult]:
        return [r for r in self.results if not r.correct]

    @property
    def share_right(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def rule_disagreements(self) -> list[CaseResult]:
        return [r for r in self.results if r.rule_agrees is False]


def agency_from_case(case: dict[str, Any]) -> AgencyProfile:
    name = str(case.get("agency") or "").strip() or "Unknown agency"
    kind = str(case.get("agency_kind") or LOCAL).strip().lower()
    if kind not in AGENCY_KINDS:
        kind = LOCAL
    return AgencyProfile(
        name=name,
        kind=kind,
        state=str(case.get("agency_state") or ""),
        immigration_enforcement=looks_like_immigration_agency(name),
    )


def request_from_case(case: dict[str, Any]) -> SearchRequest:
    return SearchRequest(
        reason=str(case.get("reason") or ""),
        case_number=str(case.get("case_number") or ""),
        offense_type=str(case.get("offense") or ""),
        plate_query=str(case.get("plate") or case.get("plate_query") or ""),
        partial=bool(case.get("partial", False)),
        agency=agency_from_case(case),
        is_own_agency=bool(case.get("is_own_agency", False)),
        has_active_agreement=True,
    )


def _rule_agrees(why: str, decision: Decision) -> bool | None:
    why_l = (why or "").lower()
    wanted: list[tuple[str, ...]] = []
    for key, rules in _WHY_RULES:
        if key in why_l:
            wanted.append(rules)
            why_l = why_l.replace(key, " ")
    if not wanted:
        return None
    fired = set(decision.rules)
    return all(any(r in fired for r in rules) for rules in wanted)


def policy_for_case(case: dict[str, Any]) -> PolicyRules:
    """The case's ``preset`` (WA, CA, IL, other; default WA); an unknown name is an error."""
    code = str(case.get("preset") or "WA").strip().upper()
    if code not in presets.PRESETS:
        raise ValueError(f"unknown preset {case.get('preset')!r}; expected one of WA, CA, IL, other")
    return presets.PRESETS[code]()


def evaluate_case(case: dict[str, Any], policy: PolicyRules | None = None) -> CaseResult:
    policy = policy or policy_for_case(case)
    decision = evaluate_search(request_from_case(case), policy)
    return CaseResult(
        preset=policy.preset,
        id=str(case.get("id", "")),
        expected=str(case.get("expect", "")).strip().lower(),
        got=decision.outcome,
        rule=decision.rule,
        rules=decision.rules,
        why=str(case.get("why", "")),
        message=decision.message,
        rule_agrees=_rule_agrees(str(case.get("why", "")), decision),
    )


def run_evaluation(
    path: str | Path, stdout: TextIO | TextIOBase | None = None, policy: PolicyRules | None = None
) -> EvaluationReport:
    """Evaluate every case in a JSONL file; print a line per case, the misses and the share right."""
    out = stdout if stdout is not None else sys.stdout
    report = EvaluationReport(path=str(path))
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as exc:
                report.errors.append(f"line {lineno}: {exc}")
                continue
            try:
                report.results.append(evaluate_case(case, policy))
            except ValueError as exc:
                report.errors.append(f"line {lineno}: {exc}")

    w = max([len(r.id) for r in report.results] + [2])
    out.write(f"{'id':<{w}}  expected  got    ok   rule (all rules fired)\n")
    for r in report.results:
        ok = "ok" if r.correct else "MISS"
        extra = f"  [{', '.join(r.rules)}]" if len(r.rules) > 1 else ""
        note = "" if r.rule_agrees is not False else f"  (why: {r.why})"
        out.write(f"{r.id:<{w}}  {r.expected:<8}  {r.got:<5}  {ok:<4} {r.rule}{extra}{note}\n")
    for err in report.errors:
        out.write(f"ERROR {err}\n")
    out.write("\nMisses:\n" if report.misses else "\nMisses: none\n")
    for r in report.misses:
        out.write(
            f"  {r.id}: expected {r.expected}, got {r.got} ({r.rule}); why: {r.why}; message: {r.message}\n"
        )
    if report.rule_disagreements:
        out.write("Rule differs from `why` (decision still scored on allow/deny):\n")
        for r in report.rule_disagreements:
            out.write(f"  {r.id}: why '{r.why}', rules fired {', '.join(r.rules)}\n")
    out.write(f"\nShare right: {report.correct}/{report.total} = {report.share_right:.1%}\n")
    out.write(f"Held for a supervisor: {report.held}/{report.total}\n")
    return report


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 1:
        sys.stderr.write("usage: python -m sharing.policy.evaluation CASES.jsonl\n")
        return 2
    report = run_evaluation(argv[0])
    return 0 if report.total and not report.misses and not report.errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
