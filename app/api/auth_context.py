"""Bearer-token authentication for the API and per-view access declarations."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request

from app.core import auth
from app.errors import Forbidden, Unauthenticated
from app.models import User

F = TypeVar("F", bound=Callable[..., Any])


def _document(view: Any, **doc: Any) -> None:
    """Like flask-smorest's `blp.doc`, from a decorator that knows no blueprint."""
    apidoc = copy.deepcopy(getattr(view, "_apidoc", {}))
    apidoc["manual_doc"] = {**apidoc.get("manual_doc", {}), **doc}
    view._apidoc = apidoc


def public(view: F) -> F:
    """Mark a view as callable without a token (the OpenAPI document says so: `security: []`)."""
    view._public = True  # type: ignore[attr-defined]
    _document(view, security=[])
    return view


def roles(*names: str) -> Callable[[F], F]:
    """The roles an endpoint is for, checked before its arguments are parsed: a caller without them is a
    403, whatever the body. Coarse on purpose; the service still decides about the object."""

    def mark(view: F) -> F:
        view._roles = names  # type: ignore[attr-defined]
        return view

    return mark


def accepts(*mimetypes: str) -> Callable[[F], F]:
    """Media types a view takes besides JSON (e.g. a BPMN upload)."""

    def mark(view: F) -> F:
        view._accepts = set(mimetypes)  # type: ignore[attr-defined]
        return view

    return mark


def _view() -> Any:
    return current_app.view_functions.get(request.endpoint or "")


def authenticate_request() -> None:
    """Runs before every API view: resolve the bearer token unless the view is public."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    g.api_user = auth.user_for_token(token) if token else None
    g.api_token = token if g.api_user else None
    view = _view()
    if view is not None and not getattr(view, "_public", False) and g.api_user is None:
        raise Unauthenticated()
    needed = getattr(view, "_roles", None)
    if needed and g.api_user is not None and not g.api_user.has_role(*needed):
        raise Forbidden()


def requires_body() -> bool:
    """Whether the endpoint declares a required JSON body (`@blp.arguments(Schema)`)."""
    parameters = getattr(_view(), "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(isinstance(p, dict) and p.get("in") == "json" and p.get("required", True) for p in parameters)


def current_user() -> User:
    user: User | None = g.get("api_user")
    if user is None:
        raise Unauthenticated()
    return user


def require_roles(*roles: str) -> User:
    user = current_user()
    if not user.has_role(*roles):
        raise Forbidden()
    return user


def allowed_mimetypes() -> set[str]:
    return {"application/json"} | getattr(_view(), "_accepts", set())
