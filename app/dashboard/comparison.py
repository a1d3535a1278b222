"""脉络式比较: two or more universities side by side, per dimension (one round) and over the rounds.
For national roles only (`dashboard.scope_for` refuses a university's 经办人)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.dashboard.datasets import Dataset, Scope
from app.dashboard.scores import dimensions
from app.errors import NotVisible, ValidationFailed
from app.extensions import db
from app.models import Assessment, AssessmentRound, Org

MAX_UNIVERSITIES = 10


def universities(scope: Scope) -> list[Org]:
    ids = list(dict.fromkeys(scope.university_ids))
    if len(ids) < 2:
        raise ValidationFailed("请选择高校", {"university_ids": ["请至少选择两所高校进行比较"]})
    if len(ids) > MAX_UNIVERSITIES:
        raise ValidationFailed("高校过多", {"university_ids": [f"最多同时比较 {MAX_UNIVERSITIES} 所高校"]})
    found = {o.id: o for o in db.session.scalars(select(Org).where(Org.id.in_(ids), Org.kind == "university"))}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationFailed("高校不存在", {"university_ids": [f"高校不存在：{', '.join(missing)}"]})
    return [found[i] for i in ids]


def _scores(university_ids: list[int]) -> dict[tuple[int, int], Assessment]:
    rows = db.session.scalars(select(Assessment).where(Assessment.university_id.in_(university_ids),
                                                       Assessment.total_score.is_not(None)))
    return {(a.round_id, a.university_id): a for a in rows}


def _rounds(round_ids: set[int]) -> list[AssessmentRound]:
    return list(db.session.scalars(select(AssessmentRound).where(AssessmentRound.id.in_(round_ids))
                                   .order_by(AssessmentRound.self_due, AssessmentRound.id)))


def _columns(orgs: list[Org]) -> list[tuple[str, str]]:
    return [(f"u{o.id}", o.name) for o in orgs]


def by_dimension(scope: Scope) -> Dataset:
    orgs = universities(scope)
    scores = _scores([o.id for o in orgs])
    if scope.round_id is not None:
        round_ = db.session.get(AssessmentRound, scope.round_id)
        if round_ is None:
            raise NotVisible("考核轮次不存在")
    else:
        rounds = _rounds({r for r, _ in scores})
        round_ = rounds[-1] if rounds else None
    title = "脉络式比较：各维度得分"
    if round_ is None:
        return Dataset("comparison", title, [("dimension", "维度"), *_columns(orgs)], [],
                       {"type": "bar", "categories": [], "series": []}, notes=["所选高校尚无考核评分结果。"])
    rows: list[dict[str, Any]] = []
    for code, name in [*dimensions(round_), ("total", "总分")]:
        row: dict[str, Any] = {"dimension": name}
        for org in orgs:
            found = scores.get((round_.id, org.id))
            value = None if found is None else (found.total_score if code == "total"
                                                else found.dimension_scores.get(code))
            row[f"u{org.id}"] = None if value is None else float(value)
        rows.append(row)
    absent = [o.name for o in orgs if (round_.id, o.id) not in scores]
    notes = [f"考核轮次：{round_.name}。"] + ([f"该轮次无评分结果：{'、'.join(absent)}。"] if absent else [])
    return Dataset("comparison", title, [("dimension", "维度"), *_columns(orgs)], rows,
                   {"type": "bar", "max": 100, "categories": [r["dimension"] for r in rows],
                    "series": [{"name": o.name, "data": [r[f"u{o.id}"] for r in rows]} for o in orgs]}, notes=notes)


def by_round(scope: Scope) -> Dataset:
    """Every round in which one of them was scored: each dimension and the total, side by side."""
    orgs = universities(scope)
    scores = _scores([o.id for o in orgs])
    rounds = _rounds({r for r, _ in scores})
    rows: list[dict[str, Any]] = []
    for round_ in rounds:
        for code, name in [("total", "总分"), *dimensions(round_)]:
            row: dict[str, Any] = {"round": round_.name, "dimension": name}
            for org in orgs:
                found = scores.get((round_.id, org.id))
                value = None if found is None else (found.total_score if code == "total"
                                                    else found.dimension_scores.get(code))
                row[f"u{org.id}"] = None if value is None else float(value)
            rows.append(row)
    totals = [r for r in rows if r["dimension"] == "总分"]
    return Dataset("comparison_trend", "脉络式比较：总分趋势",
                   [("round", "考核轮次"), ("dimension", "维度"), *_columns(orgs)], rows,
                   {"type": "line", "max": 100, "categories": [r["round"] for r in totals],
                    "series": [{"name": o.name, "data": [r[f"u{o.id}"] for r in totals]} for o in orgs]},
                   notes=["表格列出每一轮次的总分和各维度得分；图中为总分。"])
