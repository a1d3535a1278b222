"""试点 (SPEC §3, §6): the 自主试点 applications and their batch review, the pilot universities and their
信息表. Its public face, for the dashboard, the home page and the demo data: applications, info_reports, review_windows,
stats."""

from app.pilot import applications, info_reports, review_windows, stats

__all__ = ["applications", "info_reports", "review_windows", "stats"]
