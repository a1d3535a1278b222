"""The scoring rules of 考核验收 on hand-computed examples (rules as in data/indicators/quality-guide-v1.json)."""

from __future__ import annotations

import json

from app.assessment import scoring
from app.config import ROOT

RULES = json.loads((ROOT / "data" / "indicators" / "quality-guide-v1.json").read_text(encoding="utf-8"))["scoring"]


def _dimension(code: str, basic: list[int], advanced: list[int], start: int) -> tuple[dict, dict[int, int]]:
    items, scores = [], {}
    for offset, (level, value) in enumerate([("basic", v) for v in basic] + [("advanced", v) for v in advanced]):
        items.append({"id": start + offset, "code": f"{code}.{offset + 1}", "level": level})
        scores[start + offset] = value
    return {"code": code, "name": code, "items": items}, scores


def test_a_dimension_weighs_basic_items_08_and_advanced_items_02() -> None:
    dim, scores = _dimension("1", [100, 60, 80], [40], 1)
    # 0.8 × mean(100, 60, 80) + 0.2 × 40 = 0.8 × 80 + 8 = 72
    assert scoring.dimension_score(dim["items"], scores, RULES) == 72.0
    dim, scores = _dimension("2", [100, 100, 0], [], 1)  # no 高阶指标: the basic mean, 66.7
    assert scoring.dimension_score(dim["items"], scores, RULES) == 66.7


def test_total_is_the_mean_of_the_dimensions_and_the_result_follows_the_thresholds() -> None:
    structure, scores = [], {}
    for index, (basic, advanced) in enumerate([([90, 90], [90]), ([80, 100], [70]), ([100], [100]),
                                              ([60, 60], [60]), ([85], [75]), ([95, 85], [80])]):
        dim, part = _dimension(str(index + 1), basic, advanced, 100 * index)
        structure.append(dim)
        scores.update(part)
    result = scoring.score(structure, scores, RULES)
    # 90; 0.8×90+0.2×70 = 86; 100; 60; 0.8×85+0.2×75 = 83; 0.8×90+0.2×80 = 88 → total 507/6 = 84.5
    assert result.dimensions == {"1": 90.0, "2": 86.0, "3": 100.0, "4": 60.0, "5": 83.0, "6": 88.0}
    assert result.total == 84.5 and result.suggested == "pass"
    scores[300] = scores[301] = 59  # dimension 4 → 0.8×59 + 0.2×60 = 59.2 < 60: no pass despite total 84.4
    result = scoring.score(structure, scores, RULES)
    assert result.dimensions["4"] == 59.2 and result.total == 84.4 and result.suggested == "rectify"


def test_suggest_boundaries() -> None:
    six = {str(i): 80.0 for i in range(6)}
    assert scoring.suggest(80.0, six, RULES) == "pass"
    assert scoring.suggest(79.9, six, RULES) == "rectify"
    assert scoring.suggest(60.0, six, RULES) == "rectify"
    assert scoring.suggest(59.9, six, RULES) == "fail"


def test_a_reviewer_may_be_stricter_never_more_lenient_and_rectify_is_bounded() -> None:
    assert scoring.allowed_results("pass", 0, RULES) == ["fail", "rectify", "pass"]
    assert scoring.allowed_results("rectify", 0, RULES) == ["fail", "rectify"]
    assert scoring.allowed_results("fail", 0, RULES) == ["fail"]
    assert scoring.allowed_results("rectify", 2, RULES) == ["fail"]
    assert scoring.allowed_results("pass", 2, RULES) == ["fail", "pass"]


def test_items_to_fix_are_the_marked_ones_or_those_below_60() -> None:
    scores = {1: 90, 2: 59, 3: 60, 4: 10}
    assert scoring.items_to_fix(scores, set(), RULES) == {2, 4}
    assert scoring.items_to_fix(scores, {1}, RULES) == {1}
    assert scoring.suggested_item_score("partly", RULES) == 60 and scoring.suggested_item_score(None, RULES) is None
