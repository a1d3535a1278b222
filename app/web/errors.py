"""Error pages in Chinese: what happened and what to do next."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

TITLES = {
    400: ("请求有误", "提交的内容格式不正确，请返回检查后重试。"),
    401: ("请先登录", "该页面需要登录后才能访问。"),
    403: ("无权访问", "您的账号没有执行此操作的权限。如需开通，请联系本单位管理员。"),
    404: ("页面不存在", "您访问的页面不存在，或您无权查看该内容。"),
    405: ("请求方式不支持", "该页面不支持此种请求方式。"),
    409: ("状态已变化", "该事项已被他人处理或已发生变化，请刷新后重试。"),
    413: ("内容过大", "上传或提交的内容超过大小限制，请压缩后重试。"),
    415: ("格式不支持", "不支持该文件或内容格式。"),
    422: ("输入有误", "请按提示修改后重新提交。"),
    429: ("操作过于频繁", "尝试次数过多，请稍后再试。"),
    500: ("服务器出错了", "系统遇到意外错误，已记录日志。请稍后重试；如持续出现，请联系平台管理员。"),
}


def render_error(status: int, message: str | None = None) -> ResponseReturnValue:
    title, hint = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    return render_template("errors/error.html", status=status, title=title,
                           message=message, hint=hint), status
