"""考核验收 and the indicator framework (SPEC §6). Its public face, for the dashboard, the command line
and the demo data: assessments, demo, indicators."""

from app.assessment import assessments, demo, indicators

__all__ = ["assessments", "demo", "indicators"]
