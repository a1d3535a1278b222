"""Chinese labels for codes shown on pages."""

ROLE_LABELS = {
    "moe_reviewer": "思政司审核人",
    "operator": "高校思政网运营",
    "university_admin": "高校经办人",
    "dispatcher": "接诉即办中心",
    "department_handler": "部门承办人",
    "student": "学生",
    "process_admin": "平台管理员",
}
ORG_KIND_LABELS = {"ministry": "部委", "operator": "运营方", "university": "高校", "department": "院系/部门"}
SCHOOL_TYPE_LABELS = {"undergraduate": "本科", "vocational": "高职"}
PILOT_STATUS_LABELS = {"designated": "教育部认定试点", "self_pilot": "自主试点", "applicant": "申报中"}


def roles_zh(roles: list[str]) -> str:
    return "、".join(ROLE_LABELS.get(r, r) for r in roles)


def register(app) -> None:  # type: ignore[no-untyped-def]
    app.jinja_env.filters["roles_zh"] = roles_zh
    app.jinja_env.globals.update(
        ROLE_LABELS=ROLE_LABELS,
        ORG_KIND_LABELS=ORG_KIND_LABELS,
        SCHOOL_TYPE_LABELS=SCHOOL_TYPE_LABELS,
        PILOT_STATUS_LABELS=PILOT_STATUS_LABELS,
    )
