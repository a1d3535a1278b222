"""The notification list, 全部标为已读, and the unread count shown beside the account link."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.core import notifications

bp = Blueprint("notifications", __name__)
SHOWN = 100
KIND_LABELS = {"task.new": "新待办", "task.due_soon": "即将到期", "task.overdue": "已逾期"}


@bp.route("/notifications")
@login_required
def index() -> ResponseReturnValue:
    items = notifications.recent(current_user, limit=SHOWN)
    return render_template("notifications/index.html", items=items, kinds=KIND_LABELS,
                           titles={n.id: _without_label(n.title, KIND_LABELS.get(n.kind)) for n in items},
                           unread=sum(1 for n in items if n.read_at is None))


def _without_label(title: str, label: str | None) -> str:
    """The badge says 新待办 already: a title written as 新待办：… (for the e-mail subject) drops it here."""
    return title.removeprefix(f"{label}：") if label else title


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all() -> ResponseReturnValue:
    notifications.mark_all_read(current_user)
    flash("已全部标为已读", "success")
    return redirect(url_for(".index"))


def unread_badge() -> dict[str, Any]:
    """Context processor: a callable, so only pages that draw the navigation pay for the query."""

    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return notifications.unread_count(current_user)

    return {"unread_notifications": count}
