"""The 提质增效指南 as data: every numbered item of the seed text is in the framework file and in the
database, under the right dimension and level; versions are kept; the API has the contract's shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.assessment import indicators
from app.errors import Conflict
from tests.conftest import ROOT, bearer

# The guide's text as published (a verbatim copy of ../shared/seeds/quality-guide-v1.txt kept in the repo).
SEED = ROOT / "data" / "indicators" / "source" / "quality-guide-v1.txt"
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "quality-guide-v1.txt"
DIMENSION = re.compile(r"([一二三四五六])、\s*((?:[\u4e00-\u9fff]\s*){4})")
ITEM = re.compile(r"(?<![\d.])(\d{1,2})\.(?!\d)")
NUMERALS = "一二三四五六"


def _seed_text() -> str:
    return re.sub(r"\s+", " ", re.sub(r"</?p>", " ", SEED.read_text(encoding="utf-8")))


def _parse_seed() -> dict[str, dict]:
    """Straight from the seed, independent of the data file: per dimension (by its number 1–6) its
    name, the item numbers, how many 指标内涵 (groups) it has, and the item numbers after 高阶指标."""
    text = _seed_text()
    heads = list(DIMENSION.finditer(text))
    out = {}
    for index, head in enumerate(heads):
        end = heads[index + 1].start() if index + 1 < len(heads) else len(text)
        chunk = text[head.end():end]
        # The 基础指标 marker of the next dimension stands just before its heading: cut it off.
        chunk = chunk.rsplit("基础指标", 1)[0] if index + 1 < len(heads) else chunk
        basic, _, advanced = chunk.partition("高阶指标")
        out[str(NUMERALS.index(head.group(1)) + 1)] = {
            "name": re.sub(r"\s", "", head.group(2)),
            "items": [int(n) for n in ITEM.findall(chunk)],
            "advanced": [int(n) for n in ITEM.findall(advanced)],
            "basic": [int(n) for n in ITEM.findall(basic)],
            "groups": chunk.count("指标内涵"),
            "focus": chunk.count("观测重点"),
        }
    return out


def test_the_repository_copy_of_the_seed_is_the_original() -> None:
    if not SHARED_SEED.is_file():
        pytest.skip("no ../shared checkout next to the repository")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_the_seed_parses_into_six_dimensions_of_consecutive_items() -> None:
    seed = _parse_seed()
    names = ["党建引领", "队伍入驻", "学生参与", "文化建设", "数字赋能", "条件保障"]
    assert [d["name"] for d in seed.values()] == names
    for dimension in seed.values():
        assert dimension["items"] == list(range(1, len(dimension["items"]) + 1))
        assert dimension["focus"] == len(dimension["items"])  # every item has its 观测重点
    assert sum(len(d["items"]) for d in seed.values()) == 70


def test_the_data_file_has_every_item_of_the_seed_at_its_level() -> None:
    seed = _parse_seed()
    doc = json.loads((indicators.DATA_DIR / "quality-guide-v1.json").read_text(encoding="utf-8"))
    text = _seed_text()
    assert [d["name"] for d in doc["dimensions"]] == [d["name"] for d in seed.values()]
    for dimension in doc["dimensions"]:
        expected = seed[dimension["code"]]
        groups = dimension["groups"]
        assert len(groups) == expected["groups"]
        codes = [i["code"] for g in groups for i in g["items"]]
        assert codes == [f"{dimension['code']}.{n}" for n in expected["items"]]
        advanced = [i["number"] for g in groups if g["level"] == "advanced" for i in g["items"]]
        assert advanced == expected["advanced"] and advanced  # each dimension has its 高阶指标
        assert [i["number"] for g in groups if g["level"] == "basic" for i in g["items"]] == expected["basic"]
        for group in groups:
            assert group["connotation"] and group["connotation"] in text
            for item in group["items"]:
                assert item["content"] in text and item["focus"] in text  # transcribed word for word


def test_loading_stores_the_tree_once_and_refuses_a_changed_file_under_the_same_version(app, tmp_path) -> None:
    with app.app_context():
        framework, created = indicators.load_file(indicators.DATA_DIR / "quality-guide-v1.json")
        assert created
        again, created = indicators.load_file(indicators.DATA_DIR / "quality-guide-v1.json")
        assert not created and again.id == framework.id
        tree = indicators.tree(framework)
        assert sum(len(g["items"]) for d in tree["dimensions"] for g in d["groups"]) == 70
        assert [len([i for g in d["groups"] for i in g["items"]]) for d in tree["dimensions"]] == [13, 16, 13, 9, 9, 10]
        doc = json.loads((indicators.DATA_DIR / "quality-guide-v1.json").read_text(encoding="utf-8"))
        doc["dimensions"][0]["groups"][0]["items"][0]["focus"] = "改过的观测重点"
        changed = Path(tmp_path / "v1.json")
        changed.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        with pytest.raises(Conflict):
            indicators.load_file(changed)
        doc["version"] = "v2"
        changed.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        v2, created = indicators.load_file(changed)
        assert created and indicators.current().version == "v2"
        assert indicators.by_version("v1").id == framework.id  # the old edition stays as it was
        assert indicators.items_of(indicators.by_version("v1"))[0].focus != "改过的观测重点"


def test_cli_loads_and_the_api_serves_the_contract_shape(app, client, world) -> None:
    result = app.test_cli_runner().invoke(args=["indicators", "load"])
    assert result.exit_code == 0 and "v1: loaded" in result.output
    assert "unchanged" in app.test_cli_runner().invoke(args=["indicators", "load"]).output
    world.user("stu", "student")
    assert client.get("/api/v1/indicators").status_code == 401
    body = client.get("/api/v1/indicators", headers=bearer(client, "stu")).get_json()
    assert body["version"] == "v1" and len(body["dimensions"]) == 6
    first = body["dimensions"][0]
    assert first["name"] == "党建引领"
    assert [(g["name"], g["level"]) for g in first["groups"]][-1] == ("工作路径不断创新", "advanced")
    item = first["groups"][0]["items"][0]
    assert set(item) >= {"code", "content", "focus"} and item["code"] == "1.1"
    assert client.get("/api/v1/indicators?version=v9", headers=bearer(client, "stu")).status_code == 404
