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
    NavItem("流程管理", "process_admin.index", frozenset({"process_admin"})),
    NavItem("工作日历", "calendar.index", frozenset({"process_admin"})),
    NavItem("单位管理", "admin.orgs", frozenset({"process_admin", "moe_reviewer", "operator"})),
    NavItem("用户管理", "admin.users", frozenset({"process_admin"})),
    NavItem("接口文档", "pages.api_docs", frozenset()),
)


def nav_for(user: User | None) -> list[dict[str, str]]:
    if user is None or not user.is_authenticated:
        return []
    roles = set(user.roles)
    return [
        {"label": item.label, "url": url_for(item.endpoint), "endpoint": item.endpoint}
        for item in NAV
        if not item.roles or item.roles & roles
    ]
