"""The top navigation: what each role sees. One place, so pages and tests agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for

from app.core import roles
from app.models import ROLES, User


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[str]
    menu: str | None = None  # items of one menu show as a dropdown (when a user has two or more)


# A role's entries group into these menus, so that no role's bar is wider than 1280 px; a menu holding
# only one of a person's entries shows it as a plain link.
PILOT, POSTS, COMPLAINTS, DATA, ADMIN = "试点管理", "育人号", "接诉即办", "数据平台", "系统管理"
STAFF = frozenset(ROLES) - {"student"}  # a student's tasks (their ratings) are on 我的反映
NATIONAL = frozenset(roles.NATIONAL)
DATA_READERS = frozenset({"moe_reviewer", "operator", "university_admin"})

NAV = (
    NavItem("我的待办", "tasks.inbox", STAFF),
    NavItem("我要反映", "complaints.new", frozenset({"student"})),
    NavItem("我的反映", "complaints.mine", frozenset({"student"})),
    NavItem("工单转办", "complaints_work.dispatch", frozenset({"dispatcher"}), COMPLAINTS),
    NavItem("部门工单", "complaints_work.department", frozenset({"department_handler"}), COMPLAINTS),
    NavItem("统计", "complaints_stats.metrics", frozenset({"dispatcher", "department_handler"}), COMPLAINTS),
    NavItem("接诉统计", "complaints_stats.metrics", frozenset({"university_admin", "moe_reviewer"}), COMPLAINTS),
    NavItem("热点", "complaints_stats.topics", frozenset({"moe_reviewer"}), COMPLAINTS),
    NavItem("批量审核", "pilot_review.batch", frozenset({"moe_reviewer"}), PILOT),
    NavItem("申报与试点", "pilot_lists.applications", NATIONAL, PILOT),
    NavItem("信息表", "reports.index", DATA_READERS, PILOT),
    NavItem("本校育人号", "posts.manage", frozenset({"university_admin"}), POSTS),
    NavItem("育人号审核", "posts_review.queue", NATIONAL, POSTS),
    NavItem("育人号进度", "post_deadlines.index", frozenset({"moe_reviewer", "operator"}), POSTS),
    # The data platform; a process_admin reaches it by address.
    NavItem("驾驶舱", "dashboard.index", DATA_READERS, DATA),
    NavItem("考核验收", "data_platform.rounds", DATA_READERS, DATA),
    NavItem("指标体系", "data_platform.framework", DATA_READERS, DATA),
    NavItem("流程管理", "process_admin.index", frozenset({"process_admin"}), ADMIN),
    NavItem("审核窗口", "pilot_review.windows", frozenset({"process_admin"}), ADMIN),
    NavItem("工作日历", "calendar.index", frozenset({"process_admin"}), ADMIN),
    NavItem("单位管理", "admin.orgs", NATIONAL, ADMIN),
    NavItem("用户管理", "admin.users", frozenset({"process_admin"}), ADMIN),
    NavItem("接口文档", "pages.api_docs", STAFF, ADMIN),
)
# Not logged in: the public entries.
PUBLIC_NAV = (NavItem("试点申报", "pilot_public.apply", frozenset()),
              NavItem("育人号", "public.index", frozenset()),
              NavItem("成果展示", "public.showcase_column", frozenset()))


def _entry(item: NavItem) -> dict[str, Any]:
    return {"label": item.label, "url": url_for(item.endpoint), "endpoint": item.endpoint}


def nav_for(user: User | None) -> list[dict[str, Any]]:
    """Entries for the top bar: links, and dropdowns ({"label", "children"}) for menus."""
    if user is None or not user.is_authenticated:
        return [_entry(item) for item in PUBLIC_NAV]
    roles = set(user.roles)
    mine = [item for item in NAV if item.roles & roles]
    menus: dict[str, list[NavItem]] = {}
    for item in mine:
        if item.menu:
            menus.setdefault(item.menu, []).append(item)
    entries: list[dict[str, Any]] = []
    for item in mine:
        group = menus.get(item.menu or "", [])
        if len(group) < 2:
            entries.append(_entry(item))
        elif group[0] is item:  # the dropdown stands where its first item would
            entries.append({"label": item.menu, "children": [_entry(i) for i in group],
                            "endpoints": [i.endpoint for i in group]})
    return entries
