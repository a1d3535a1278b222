"""接诉即办 (SPEC §5): complaints filed, dispatched, answered on time and followed up; their figures
and hot topics. Its public face, for the dashboard and the command line: access, cases, hot_topics, metrics, rollup."""

from app.complaints import access, cases, hot_topics, metrics, rollup

__all__ = ["access", "cases", "hot_topics", "metrics", "rollup"]
