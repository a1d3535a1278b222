"""Chinese labels of the 育人号 pages (modules, revision statuses, showcase kinds)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask

from app.models import POST_MODULES, SHOWCASE_KINDS
from app.posts import media as posts_media

POST_STATUS = {"draft": ("草稿", "secondary"), "in_review": ("审核中", "warning"),
               "returned": ("已退回修改", "danger"), "rejected": ("未通过", "dark"),
               "published": ("已发布", "success"), "superseded": ("已被新版本替换", "light")}
SHOWCASE_STATUS = {"nominated": ("待审核", "warning"), "admitted": ("已入选", "success"),
                   "declined": ("未入选", "secondary"), "withdrawn": ("已撤下", "light")}


def filesize(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(size // 1024, 1)} KB"


def module_names(codes: Iterable[str]) -> str:
    return "、".join(POST_MODULES.get(c, c) for c in codes)


def revision_files(revision_id: int) -> dict[str, Any]:
    """A revision's cover and attachments, for the article macro."""
    files = posts_media.files_of(revision_id)
    return {"cover": next((f for link, f in files if link.role == "cover"), None),
            "attachments": [f for link, f in files if link.role == "attachment"]}


def register(app: Flask) -> None:
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["module_names"] = module_names
    app.jinja_env.globals["revision_files"] = revision_files
    app.jinja_env.globals.update(POST_MODULES=POST_MODULES, POST_STATUS=POST_STATUS, SHOWCASE_KINDS=SHOWCASE_KINDS,
                                 SHOWCASE_STATUS=SHOWCASE_STATUS)
