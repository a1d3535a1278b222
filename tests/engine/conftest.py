"""Fixtures for the engine's unit tests: pure Python, no Flask, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.testing import DEFAULT_ROLES

ROOT = Path(__file__).resolve().parents[2]
DEMO_BPMN = ROOT / "workflows" / "demo_approval.bpmn"


@pytest.fixture
def demo_xml() -> str:
    return DEMO_BPMN.read_text(encoding="utf-8")


@pytest.fixture
def roles() -> frozenset[str]:
    return DEFAULT_ROLES


def line_of(text: str, marker: str) -> int:
    """1-based line of the first occurrence of `marker` in `text`."""
    index = text.index(marker)
    return text.count("\n", 0, index) + 1
