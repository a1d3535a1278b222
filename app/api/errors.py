"""The API's one error format: {"error": {"code", "message", "fields"}} (API.md), and the errors only the API
raises (an upload that is not multipart)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from app.errors import DomainError

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
}
MESSAGES = {
    400: "请求格式错误",
    401: "请先登录或提供有效的令牌",
    403: "无权执行此操作",
    404: "不存在或无权查看",
    405: "不支持该请求方法",
    409: "与当前状态冲突",
    413: "请求内容过大",
    415: "不支持的内容类型",
    422: "输入有误",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
}


class MultipartOnly(DomainError):
    """请以 multipart/form-data 上传文件"""

    status = 415
    code = "unsupported_media_type"


def require_multipart() -> None:
    """A file upload endpoint takes multipart/form-data only; anything else is a 415."""
    if request.mimetype != "multipart/form-data":
        raise MultipartOnly()


def payload(status: int, message: str | None = None, fields: dict[str, list[str]] | None = None,
            code: str | None = None) -> ResponseReturnValue:
    body: dict[str, Any] = {
        "code": code or CODES.get(status, "error"),
        "message": message or MESSAGES.get(status, "请求失败"),
    }
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow nest messages by location and field; callers want `field: [messages]`."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            # The top level is the request location (json, query, form): not part of the field name.
            if not prefix and key in {"json", "query", "form", "files", "headers", "view_args"}:
                out.update(flatten_messages(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, name))
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        out[prefix or "_body"] = list(messages)
    elif isinstance(messages, list | tuple):
        for index, value in enumerate(messages):
            out.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "_body"] = [str(messages)]
    return out


def from_http_exception(error: HTTPException) -> ResponseReturnValue:
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if status == 400 and messages:
        return payload(400, "请求体不是有效的 JSON" if "json" in messages else None)
    fields = flatten_messages(messages) if messages else None
    response = payload(status, data.get("message"), fields)
    allow = getattr(error, "valid_methods", None)
    if status == 405 and allow:  # RFC 9110: a 405 says which methods the resource takes
        response.headers["Allow"] = ", ".join(allow)  # type: ignore[union-attr]
    return response


def from_domain_error(error: DomainError) -> ResponseReturnValue:
    return payload(error.status, error.message, error.fields or None, code=error.code)
