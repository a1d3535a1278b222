"""The indicator framework (提质增效指南) as data: load a versioned file from `data/indicators/` into the
database, and read it back as a tree (API.md `GET /api/v1/indicators`).

A version is loaded once. Loading the same file again changes nothing; a file whose version exists
with different content is refused: a later edition of the guide is a new version (a new file), so that
every assessment keeps the exact framework it was opened with."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.config import ROOT
from app.core import audit
from app.core.unit_of_work import use_case
from app.errors import Conflict, NotVisible, ValidationFailed
from app.extensions import db
from app.models import (
    INDICATOR_LEVELS,
    IndicatorDimension,
    IndicatorFramework,
    IndicatorGroup,
    IndicatorItem,
)

DATA_DIR = ROOT / "data" / "indicators"
SCORING_KEYS = ("ratings", "item_max", "level_weights", "pass_total", "pass_min_dimension", "fail_below_total",
                "fix_below", "max_rectifications")
LEVEL_LABELS = {"basic": "基础指标", "advanced": "高阶指标"}


def _problems(doc: Any) -> list[str]:
    """What is wrong with a framework file (empty when it is well formed)."""
    if not isinstance(doc, dict):
        return ["文件内容须为 JSON 对象"]
    problems = [f"缺少字段 {key}" for key in ("version", "title", "dimensions", "scoring") if not doc.get(key)]
    scoring = doc.get("scoring") or {}
    problems += [f"scoring 缺少 {key}" for key in SCORING_KEYS if key not in scoring]
    codes: set[str] = set()
    for d in doc.get("dimensions") or []:
        if not d.get("name") or not d.get("code") or not d.get("groups"):
            problems.append(f"维度 {d.get('code') or '?'} 缺少 code、name 或 groups")
            continue
        for g in d["groups"]:
            if g.get("level") not in INDICATOR_LEVELS or not g.get("name") or not g.get("items"):
                problems.append(f"{d['name']} 的组 {g.get('code') or '?'} 缺少 name、items 或 level 有误")
                continue
            for item in g["items"]:
                code = str(item.get("code") or "")
                if not code or not item.get("content") or not item.get("focus"):
                    problems.append(f"{d['name']} 的指标 {code or '?'} 缺少 code、content 或 focus")
                elif code in codes:
                    problems.append(f"指标编号重复：{code}")
                codes.add(code)
    return problems


@use_case
def load_file(path: Path) -> tuple[IndicatorFramework, bool]:
    """Load one framework file; returns (framework, created). Raises ValidationFailed or Conflict."""
    raw = path.read_bytes()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed("指标体系文件不是有效的 JSON", {"file": [str(exc)]}) from None
    problems = _problems(doc)
    if problems:
        raise ValidationFailed("指标体系文件有误", {"file": problems})
    digest = hashlib.sha256(raw).hexdigest()
    existing = db.session.scalar(select(IndicatorFramework).where(IndicatorFramework.version == doc["version"]))
    if existing is not None:
        if existing.content_hash != digest:
            raise Conflict(f"版本 {doc['version']} 已载入且内容不同：新版指南请使用新的版本号")
        return existing, False
    framework = IndicatorFramework(version=doc["version"], title=doc["title"], edition=doc.get("edition", ""),
                                   source=doc.get("source", ""), content_hash=digest, scoring=doc["scoring"],
                                   notes=list(doc.get("notes") or []))
    db.session.add(framework)
    db.session.flush()
    position = 0
    for d_index, d in enumerate(doc["dimensions"]):
        dimension = IndicatorDimension(framework_id=framework.id, code=str(d["code"]), number=d.get("number", ""),
                                       name=d["name"], position=d_index)
        db.session.add(dimension)
        db.session.flush()
        for g_index, g in enumerate(d["groups"]):
            group = IndicatorGroup(framework_id=framework.id, dimension_id=dimension.id, code=str(g["code"]),
                                   number=g.get("number", ""), name=g["name"], name_note=g.get("name_note"),
                                   level=g["level"], connotation=g.get("connotation") or "", position=g_index)
            db.session.add(group)
            db.session.flush()
            for item in g["items"]:
                position += 1
                db.session.add(IndicatorItem(framework_id=framework.id, dimension_id=dimension.id, group_id=group.id,
                                             code=str(item["code"]), number=int(item.get("number") or position),
                                             content=item["content"], focus=item["focus"], position=position))
    audit.record("indicator_framework.loaded", "indicator_framework", framework.id, version=framework.version,
                 items=position)
    return framework, True


def load_all(directory: Path = DATA_DIR) -> list[tuple[IndicatorFramework, bool]]:
    """Every framework file of the directory, oldest version first (file names sort by version)."""
    return [load_file(path) for path in sorted(directory.glob("*.json"))]


def frameworks() -> list[IndicatorFramework]:
    return list(db.session.scalars(select(IndicatorFramework).order_by(IndicatorFramework.loaded_at.desc(),
                                                                       IndicatorFramework.id.desc())))


def current() -> IndicatorFramework:
    """The newest loaded version (NotVisible when none is loaded)."""
    found = frameworks()
    if not found:
        raise NotVisible("尚未载入指标体系（flask --app wsgi indicators load）")
    return found[0]


def by_version(version: str | None) -> IndicatorFramework:
    if not version:
        return current()
    framework = db.session.scalar(select(IndicatorFramework).where(IndicatorFramework.version == version))
    if framework is None:
        raise NotVisible(f"指标体系版本 {version} 不存在")
    return framework


def items_of(framework: IndicatorFramework) -> list[IndicatorItem]:
    return list(db.session.scalars(select(IndicatorItem).where(IndicatorItem.framework_id == framework.id)
                                   .order_by(IndicatorItem.position)))


def tree(framework: IndicatorFramework) -> dict[str, Any]:
    """The framework in the API's shape (API.md), with the extra fields a page needs."""
    return {
        "version": framework.version, "title": framework.title, "edition": framework.edition,
        "notes": framework.notes, "scoring": framework.scoring,
        "dimensions": [{
            "code": d.code, "number": d.number, "name": d.name,
            "groups": [{
                "code": g.code, "number": g.number, "name": g.name, "name_note": g.name_note, "level": g.level,
                "level_label": LEVEL_LABELS[g.level], "connotation": g.connotation,
                "items": [{"code": i.code, "number": i.number, "content": i.content, "focus": i.focus}
                          for i in g.items],
            } for g in d.groups],
        } for d in framework.dimensions],
    }


def structure(framework: IndicatorFramework) -> list[dict[str, Any]]:
    """Per dimension: code, name and its items as (item id, code, level) — what scoring needs."""
    out = []
    for d in framework.dimensions:
        out.append({"code": d.code, "name": d.name,
                    "items": [{"id": i.id, "code": i.code, "level": g.level} for g in d.groups for i in g.items]})
    return out
