"""What the 驾驶舱 plugs in: its pages and endpoints (its datasets are its own catalogue, `catalogue.py`)."""

from __future__ import annotations

from app.dashboard import api
from app.dashboard.web import pages
from app.workflow.plugins import Plugin

plugin = Plugin(name="dashboard", pages=(pages.bp,), api=(api.blp,))
