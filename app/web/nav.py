"""The top navigation: what each role sees. One place, so pages and tests agree."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from app.models import User


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[str]  # empty: every logged-in user


NAV = (
    NavItem("我的待办", "tasks.inbox", frozenset()),
    NavItem("我要反映", "complaints.new", frozenset({"student"})),
    NavItem("我的反映", "complaints.mine", frozenset({"student"})),
    NavItem("接诉即办", "complaints_work.dispatch", frozenset({"dispatcher"})),
    NavItem("部门工单", "complaints_work.department", frozenset({"department_handler"})),
    NavItem("统计", "complaints_stats.metrics", frozenset({"dispatcher", "department_handler"})),
    NavItem("接诉统计", "complaints_stats.metrics", frozenset({"university_admin", "moe_reviewer"})),
    NavItem("热点", "complaints_stats.topics", frozenset({"moe_reviewer"})),
    NavItem("批量审核", "pilot_review.batch", frozenset({"moe_reviewer"})),
    NavItem("申报与试点", "pilot_lists.applications", frozenset({"moe_reviewer", "operator", "process_admin"})),
    NavItem("审核窗口", "pilot_review.windows", frozenset({"process_admin"})),
    NavItem("信息表", "reports.index", frozenset({"moe_reviewer", "operator", "university_admin"})),
    NavItem("本校育人号", "posts.manage", frozenset({"university_admin"})),
    NavItem("育人号审核", "posts_review.queue", frozenset({"operator", "moe_reviewer", "process_admin"})),
    NavItem("育人号进度", "post_deadlines.index", frozenset({"moe_reviewer", "operator"})),
    NavItem("流程管理", "process_admin.index", frozenset({"process_admin"})),
    NavItem("工作日历", "calendar.index", frozenset({"process_admin"})),
    NavItem("单位管理", "admin.orgs", frozenset({"process_admin", "moe_reviewer", "operator"})),
    NavItem("用户管理", "admin.users", frozenset({"process_admin"})),
    NavItem("接口文档", "pages.api_docs", frozenset()),
)
# Not logged in: the public entries.
PUBLIC_NAV = (NavItem("试点申报", "pilot_public.apply", frozenset()),
              NavItem("育人号", "public.index", frozenset()),
              NavItem("成果展示", "public.showcase_column", frozenset()))


def nav_for(user: User | None) -> list[dict[str, str]]:
    if user is None or not user.is_authenticated:
        return [{"label": item.label, "url": url_for(item.endpoint), "endpoint": item.endpoint}
                for item in PUBLIC_NAV]
    roles = set(user.roles)
    return [
        {"label": item.label, "url": url_for(item.endpoint), "endpoint": item.endpoint}
        for item in NAV
        if not item.roles or item.roles & roles
    ]
