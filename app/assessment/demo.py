"""Demo 考核验收 data for `flask seed-demo`, so the 驾驶舱 has scores, trends and a forecast to show.

Three past rounds (2023–2025) are written as finished data for the designated pilots, with item scores
made up deterministically from each university's name (labelled 演示数据 everywhere they appear); the
current round is opened through the real `assessment` process: 浙江大学 has submitted its
self-assessment (the ministry has a review waiting), the others are self-assessing. Runs once."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.assessment import assessments, indicators
from app.assessment import scoring as assessment_scoring
from app.core import accounts, clock, deadlines
from app.core.unit_of_work import use_case
from app.extensions import db
from app.models import Assessment, AssessmentItem, AssessmentRound, Org, User

PAST = (("2023年度考核验收（演示数据）", date(2023, 12, 15)), ("2024年度考核验收（演示数据）", date(2024, 12, 15)),
        ("2025年度考核验收（演示数据）", date(2025, 12, 15)))
CURRENT = "2026年度考核验收"
SUBMITTED = "浙江大学"


def _noise(*parts: object, spread: int) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return digest[0] % (2 * spread + 1) - spread


def _rating(score: int) -> str:
    return "met" if score >= 85 else "partly" if score >= 60 else "not_met"


@use_case
def _past_round(name: str, due: date, index: int, pilots: list[Org], moe: User) -> None:
    framework = indicators.current()
    structure = indicators.structure(framework)
    rules = framework.scoring
    decided = datetime.combine(due + timedelta(days=30), time(10, 0), tzinfo=clock.SHANGHAI)
    round_ = AssessmentRound(name=name, framework_id=framework.id, self_due=due, review_days=15,
                             note="演示数据：分数为虚构，仅用于展示驾驶舱。", opened_by=moe.id,
                             opened_at=decided - timedelta(days=60))
    db.session.add(round_)
    db.session.flush()
    for university in pilots:
        base = 70 + _noise(university.name, spread=8) + 4 * index + _noise(university.name, index, spread=3)
        scores = {i["id"]: max(35, min(100, base + _noise(university.name, index, i["code"], spread=14)))
                  for d in structure for i in d["items"]}
        result = assessment_scoring.score(structure, scores, rules)
        failed, rectified = result.suggested == "fail", result.suggested == "rectify"
        opinion = "未达到通过要求。" if failed else "整改后复审通过。" if rectified else "建设扎实，准予通过。"
        assessment = Assessment(
            round_id=round_.id, university_id=university.id, status="failed" if failed else "passed",
            result="fail" if failed else "pass", submissions=2 if rectified else 1,
            rectifications=1 if rectified else 0, opinion=f"（演示数据）{opinion}", total_score=result.total,
            dimension_scores=dict(result.dimensions), submitted_at=decided - timedelta(days=20),
            decided_at=decided, decided_by=moe.id, updated_at=decided)
        db.session.add(assessment)
        db.session.flush()
        db.session.add_all([AssessmentItem(assessment_id=assessment.id, item_id=item_id, rating=_rating(value),
                                           statement="（演示数据）", evidence_file_ids=[], post_ids=[], score=value,
                                           updated_at=decided)
                            for item_id, value in scores.items()])


def load_demo() -> None:
    if db.session.scalar(select(AssessmentRound.id).limit(1)) is not None:
        return
    moe = accounts.find_user("moe")
    if moe is None:
        return
    pilots = list(db.session.scalars(select(Org).where(Org.kind == "university", Org.pilot_status == "designated")
                                     .order_by(Org.id)))
    for index, (name, due) in enumerate(PAST):
        _past_round(name, due, index, pilots, moe)
    round_ = assessments.open_round(moe, name=CURRENT, university_ids=[u.id for u in pilots],
                                    self_due=deadlines.today() + timedelta(days=30), review_days=15,
                                    note="请对照提质增效指南逐项自评并上传佐证材料。")
    submitter = accounts.find_user("zju_admin")
    chosen = next((u for u in pilots if u.name == SUBMITTED), None)
    if submitter is None or chosen is None:
        return
    assessment = db.session.scalar(select(Assessment).where(Assessment.round_id == round_.id,
                                                            Assessment.university_id == chosen.id))
    assert assessment is not None
    entries = [{"code": line.item.code, "rating": "met" if _noise(line.item.code, spread=3) >= 0 else "partly",
                "statement": "已按指南要求落实，佐证材料见育人号。"} for line in assessments.lines(assessment)]
    assessments.save_self(submitter, assessment.id, entries)
    assessments.submit_self(submitter, assessment.id, "2026 年度自评（演示）")
