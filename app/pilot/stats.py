"""Small read-only figures for public pages."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core import roles
from app.extensions import db
from app.models import Org


def pilot_summary() -> dict[str, object]:
    """Pilot universities by status and by province, for the home page."""
    by_status = dict(
        db.session.execute(
            select(Org.pilot_status, func.count())
            .where(Org.kind == "university", Org.pilot_status.in_(roles.COUNTED_PILOT_STATUSES))
            .group_by(Org.pilot_status)
        ).all()
    )
    by_province = db.session.execute(
        select(Org.province, func.count())
        .where(Org.kind == "university", Org.pilot_status.in_(roles.COUNTED_PILOT_STATUSES))
        .group_by(Org.province)
        .order_by(func.count().desc(), Org.province)
    ).all()
    return {
        "designated": by_status.get("designated", 0),
        "self_pilot": by_status.get("self_pilot", 0),
        "by_province": [(p or "未知", n) for p, n in by_province],
    }
