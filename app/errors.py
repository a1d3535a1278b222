"""Domain exceptions. Services raise these; one handler per surface maps them to HTTP or pages."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: `status` is the HTTP code the API answers with, `code` a stable machine name."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", fields: dict[str, list[str]] | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()
        self.fields = fields or {}


class NotVisible(DomainError):
    """不存在或无权查看"""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """无权执行此操作"""

    status = 403
    code = "forbidden"


class Unauthenticated(DomainError):
    """请先登录"""

    status = 401
    code = "unauthorized"


class ValidationFailed(DomainError):
    """输入有误"""

    status = 422
    code = "validation_failed"


class Conflict(DomainError):
    """与当前状态冲突"""

    status = 409
    code = "conflict"


class TooManyAttempts(DomainError):
    """尝试次数过多，请稍后再试"""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str = "", fields: dict[str, list[str]] | None = None,
                 retry_after: int | None = None):
        super().__init__(message, fields)
        self.retry_after = retry_after  # seconds, sent as Retry-After when known


class BpmnInvalid(DomainError):
    """流程定义无效"""

    status = 422
    code = "bpmn_invalid"

    def __init__(self, problems: list[dict], message: str = ""):
        # problems: [{"line": int | None, "message": str}], every problem found, sorted by line
        self.problems = problems
        lines = [f"第 {p['line']} 行：{p['message']}" if p.get("line") else p["message"] for p in problems]
        super().__init__(message or f"流程定义有 {len(problems)} 处问题", fields={"bpmn": lines})
