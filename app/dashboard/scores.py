"""Dashboard datasets about 考核验收 scores: each dimension against the national and the province average
(radar), and the scores over the rounds with a forecast of the next one (lines).

A round's score of a university is its latest decision's (after 限期整改 the re-review replaces the
first score). Averages are plain means over the universities scored in that round."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.dashboard import forecast
from app.dashboard.datasets import MIN_GROUP, Dataset, Scope
from app.errors import NotVisible
from app.extensions import db
from app.models import Assessment, AssessmentRound, Org


@dataclass
class Scored:
    assessment: Assessment
    university: Org


def scored(round_id: int) -> list[Scored]:
    rows = db.session.execute(select(Assessment, Org).join(Org, Org.id == Assessment.university_id).where(
        Assessment.round_id == round_id, Assessment.total_score.is_not(None)).order_by(Org.name)).all()
    return [Scored(a, u) for a, u in rows]


def rounds_with_scores(university_id: int | None = None) -> list[AssessmentRound]:
    """Rounds in time order (by self-assessment deadline) in which someone (or the university) has a score."""
    query = select(AssessmentRound).where(AssessmentRound.id.in_(
        select(Assessment.round_id).where(Assessment.total_score.is_not(None),
                                          *([Assessment.university_id == university_id] if university_id else []))))
    return list(db.session.scalars(query.order_by(AssessmentRound.self_due, AssessmentRound.id)))


def dimensions(round_: AssessmentRound) -> list[tuple[str, str]]:
    return [(d.code, d.name) for d in round_.framework.dimensions]


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _pick_round(scope: Scope) -> AssessmentRound | None:
    if scope.round_id is not None:
        round_ = db.session.get(AssessmentRound, scope.round_id)
        if round_ is None:
            raise NotVisible("考核轮次不存在")
        return round_
    found = rounds_with_scores(scope.university.id if scope.university else None)
    return found[-1] if found else None


def _empty(key: str, title: str, note: str) -> Dataset:
    return Dataset(key, title, [("dimension", "维度")], [], {"type": "radar", "indicators": [], "series": []},
                   notes=[note])


def radar(scope: Scope) -> Dataset:
    round_ = _pick_round(scope)
    title = "考核得分：各维度对比"
    if round_ is None:
        return _empty("score_radar", title, "尚无考核评分结果。")
    dims = dimensions(round_)
    everyone = scored(round_.id)
    notes = [f"考核轮次：{round_.name}；满分 100。"]
    national = {code: _mean([float(s.assessment.dimension_scores.get(code, 0)) for s in everyone]) for code, _ in dims}
    if scope.university is None:
        rows = [{"dimension": name, "national_avg": national[code],
                 "max": max((float(s.assessment.dimension_scores.get(code, 0)) for s in everyone), default=None),
                 "min": min((float(s.assessment.dimension_scores.get(code, 0)) for s in everyone), default=None)}
                for code, name in dims]
        notes.append(f"参评并已评分的高校 {len(everyone)} 所。")
        return Dataset("score_radar", title, [("dimension", "维度"), ("national_avg", "全国平均"), ("max", "最高"),
                                              ("min", "最低")], rows, _radar_chart(rows, dims, {
                           "全国平均": "national_avg", "最高": "max", "最低": "min"}), notes=notes)
    own = next((s for s in everyone if s.university.id == scope.university.id), None)
    province = [s for s in everyone if s.university.province == scope.university.province]
    show_national = scope.sees_everyone or len(everyone) >= MIN_GROUP
    show_province = scope.sees_everyone or len(province) >= MIN_GROUP
    rows = []
    for code, name in dims:
        rows.append({"dimension": name,
                     "university": float(own.assessment.dimension_scores.get(code, 0)) if own else None,
                     "national_avg": national[code] if show_national else None,
                     "province_avg": _mean([float(s.assessment.dimension_scores.get(code, 0)) for s in province])
                     if show_province else None})
    notes.append(f"全国平均：{len(everyone)} 所已评分高校；{scope.university.province or ''}平均：{len(province)} 所。")
    if not (show_national and show_province):
        notes.append(f"参与平均的高校少于 {MIN_GROUP} 所时不显示该平均值，以免推算出其他高校的得分。")
    if own is None:
        notes.append("本校在该轮次尚无评分结果。")
    series = {scope.university.name: "university", "全国平均": "national_avg",
              f"{scope.university.province or '本省'}平均": "province_avg"}
    return Dataset("score_radar", title, [("dimension", "维度"), ("university", scope.university.name),
                                          ("national_avg", "全国平均"), ("province_avg", "本省平均")],
                   rows, _radar_chart(rows, dims, series), notes=notes)


def _radar_chart(rows: list[dict[str, Any]], dims: list[tuple[str, str]], series: dict[str, str]) -> dict[str, Any]:
    return {"type": "radar", "indicators": [{"name": name, "max": 100} for _, name in dims],
            "series": [{"name": label, "data": [r[key] for r in rows]} for label, key in series.items()
                       if any(r[key] is not None for r in rows)]}


def trend(scope: Scope) -> Dataset:
    """Total and dimension scores per round (the university's, or the national average), and the
    forecast of the next round (forecast.METHOD)."""
    university_id = scope.university.id if scope.university else None
    rounds = rounds_with_scores(university_id)
    title = "考核得分趋势与预测"
    dims: list[tuple[str, str]] = dimensions(rounds[-1]) if rounds else []
    rows: list[dict[str, Any]] = []
    for round_ in rounds:
        group = [s for s in scored(round_.id) if university_id is None or s.university.id == university_id]
        row: dict[str, Any] = {"round": round_.name, "kind": "实际", "n": len(group),
                               "total": _mean([float(s.assessment.total_score or 0) for s in group])}
        for code, _ in dims:
            row[f"d{code}"] = _mean([float(s.assessment.dimension_scores.get(code, 0)) for s in group])
        rows.append(row)
    prediction = forecast.linear([float(r["total"]) for r in rows if r["total"] is not None])
    notes = [forecast.METHOD]
    if scope.university is None:
        notes.append("全国曲线为各轮次已评分高校的平均分（n 为高校数）。")
    if prediction is not None:
        row = {"round": "下一期（预测）", "kind": "预测", "n": None, "total": round(prediction.value, 1),
               "lower": None if prediction.lower is None else round(prediction.lower, 1),
               "upper": None if prediction.upper is None else round(prediction.upper, 1)}
        for code, _ in dims:
            series = [float(r[f"d{code}"]) for r in rows if r.get(f"d{code}") is not None]
            dim_forecast = forecast.linear(series)
            row[f"d{code}"] = round(dim_forecast.value, 1) if dim_forecast else None
        rows.append(row)
        if prediction.lower is None:
            notes.append("只有两期数据，无法估计预测区间。")
        if prediction.clipped:
            notes.append("预测值或区间超出 0–100 分，已截取。")
    else:
        notes.append("少于两期评分结果，暂不预测。")
    columns = [("round", "考核轮次"), ("kind", "类型"), ("total", "总分"), ("lower", "预测下限（95%）"),
               ("upper", "预测上限（95%）"), *[(f"d{code}", name) for code, name in dims]]
    if scope.university is None:
        columns.insert(2, ("n", "高校数"))
    actual = [r for r in rows if r["kind"] == "实际"]
    categories = [r["round"] for r in rows]
    chart: dict[str, Any] = {
        "type": "line", "categories": categories, "max": 100,
        "series": [{"name": "总分", "data": [r["total"] for r in actual] + [None] * (len(rows) - len(actual))},
                   *[{"name": name, "data": [r.get(f"d{code}") for r in actual]
                      + [None] * (len(rows) - len(actual))} for code, name in dims]],
        "hidden": [name for _, name in dims],
    }
    if prediction is not None and actual:
        last = len(actual) - 1
        chart["forecast"] = {"name": "总分预测", "from": last, "to": len(rows) - 1,
                             "start": actual[-1]["total"], "value": round(prediction.value, 1),
                             "lower": None if prediction.lower is None else round(prediction.lower, 1),
                             "upper": None if prediction.upper is None else round(prediction.upper, 1)}
    return Dataset("score_trend", title, columns, rows, chart, notes=notes)
