"""How an assessment is scored and which results a reviewer may give. Pure functions: the rules
(`scoring` of the framework file, so every version keeps its own) in, numbers out.

- Each item is scored 0–`item_max` (100) by the reviewer; the university's self-rating suggests a
  score (达标 100, 部分达标 60, 未达标 0).
- A dimension's score is `level_weights.basic` × the mean of its 基础指标 items + `level_weights.advanced`
  × the mean of its 高阶指标 items (just the mean of the basic items when it has no advanced item).
- The total is the mean of the six dimension scores. Scores are rounded to one decimal, and the rules
  compare the rounded figures (what everyone sees).
- Suggested result: 通过 when total ≥ `pass_total` (80) and every dimension ≥ `pass_min_dimension` (60);
  不通过 when total < `fail_below_total` (60); 限期整改 otherwise.
- The reviewer may give the suggested result or a stricter one, never a more lenient one; 限期整改 only
  while fewer than `max_rectifications` (2) rectifications were ordered. Items to fix: those the
  reviewer marks, or else every item scored below `fix_below` (60)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ORDER = ("fail", "rectify", "pass")  # strictest first
RESULT_LABELS = {"pass": "通过", "rectify": "限期整改", "fail": "不通过"}  # nosec B105 # labels, no password


@dataclass(frozen=True)
class Score:
    dimensions: dict[str, float]  # dimension code → score
    total: float
    suggested: str  # pass | rectify | fail


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def dimension_score(items: list[dict[str, Any]], scores: Mapping[int, int], rules: Mapping[str, Any]) -> float:
    """`items`: [{"id", "level"}] of one dimension; `scores`: item id → score (every item scored)."""
    basic = _mean([float(scores[i["id"]]) for i in items if i["level"] == "basic"])
    advanced = _mean([float(scores[i["id"]]) for i in items if i["level"] == "advanced"])
    weights = rules["level_weights"]
    if basic is None and advanced is None:
        return 0.0
    if advanced is None:
        value = basic
    elif basic is None:
        value = advanced
    else:
        value = float(weights["basic"]) * basic + float(weights["advanced"]) * advanced
    return round(float(value or 0.0), 1)


def score(structure: list[dict[str, Any]], scores: Mapping[int, int], rules: Mapping[str, Any]) -> Score:
    """Dimension scores, total and the suggested result. `structure` is `indicators.structure()`."""
    dimensions = {d["code"]: dimension_score(d["items"], scores, rules) for d in structure}
    total = round(sum(dimensions.values()) / len(dimensions), 1) if dimensions else 0.0
    return Score(dimensions=dimensions, total=total, suggested=suggest(total, dimensions, rules))


def suggest(total: float, dimensions: Mapping[str, float], rules: Mapping[str, Any]) -> str:
    if total < float(rules["fail_below_total"]):
        return "fail"
    if total >= float(rules["pass_total"]) and all(v >= float(rules["pass_min_dimension"])
                                                   for v in dimensions.values()):
        return "pass"
    return "rectify"


def allowed_results(suggested: str, rectifications: int, rules: Mapping[str, Any]) -> list[str]:
    """The results a reviewer may give: the suggested one or stricter; 限期整改 only while allowed."""
    allowed = [r for r in ORDER if ORDER.index(r) <= ORDER.index(suggested)]
    if rectifications >= int(rules["max_rectifications"]):
        allowed = [r for r in allowed if r != "rectify"]
    return allowed


def suggested_item_score(rating: str | None, rules: Mapping[str, Any]) -> int | None:
    entry = (rules.get("ratings") or {}).get(rating or "")
    return int(entry["score"]) if entry else None


def items_to_fix(scores: Mapping[int, int], marked: set[int], rules: Mapping[str, Any]) -> set[int]:
    if marked:
        return marked
    return {item_id for item_id, value in scores.items() if value < int(rules["fix_below"])}
