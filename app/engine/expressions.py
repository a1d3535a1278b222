"""The safe evaluator for BPMN expressions: gateway conditions, timer expressions, task properties.

SpiffWorkflow hands every expression to Python's `eval`; ENGINE-NOTES shows that empty builtins and
RestrictedPython were both escaped (`().__class__.__base__.__subclasses__()`). So expressions are parsed
with `ast.parse` and *interpreted here node by node*: there is no `eval`, `exec` or `compile` anywhere, and
only the node types listed in `_check` exist in this language. Anything else is refused, at deploy time by
`check()` and again at run time by `evaluate()` (the same walk runs first).

Language (a small Python subset):
- literals: str, int, float, bool, None; list / tuple / dict / set displays; f-strings without format specs
- names: task-data fields (never starting with `_`); functions are a separate namespace and can only be called
- `and or not`, `+ - * / // %` (no `**`: one `9**9**9` stalls a worker), comparisons incl. `in`, `is`
- `a if cond else b`, `x[key]` where key is a literal or a name, calls `f(...)` of allowed functions only
- no attributes, lambdas, comprehensions, starred args, keyword args, walrus, await, slices

Missing names: an unknown name raises `ExpressionError` (a typo in `decison == 'approve'` must fail loudly,
not route silently down the default branch). Optional form fields are read with `get('field', default)`.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from app.engine.calendar import WorkCalendar

MAX_LENGTH = 2000  # characters of source; BPMN expressions are one-liners
MAX_DEPTH = 60  # nesting of the syntax tree; keeps our recursive walk far from Python's recursion limit
V = TypeVar("V")
MAX_SEQUENCE = 10_000  # elements/characters of any str/list/tuple built by + or *
MAX_INT_BITS = 4096  # arithmetic results beyond this are refused (no unbounded big-int growth)

# Functions every expression may call. `get` is resolved by the evaluator (it reads the names mapping).
STANDARD_FUNCTIONS: frozenset[str] = frozenset(
    {
        "working_days",
        "working_hours",
        "days",
        "hours",
        "minutes",
        "now",
        "len",
        "min",
        "max",
        "abs",
        "int",
        "str",
        "round",
        "get",
        "visits",
    }
)


class ExpressionError(ValueError):
    """An expression is not allowed or failed to evaluate; `message` is shown to BPMN authors (Chinese)."""

    def __init__(self, message: str, expression: str = ""):
        super().__init__(f"{message}：{expression}" if expression else message)
        self.message = message
        self.expression = expression


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_LEAF_OK = (ast.Load, ast.And, ast.Or, *_BINOPS, *_CMPOPS, *_UNARY)


def _parse(expr: str) -> ast.Expression:
    if not isinstance(expr, str):
        raise ExpressionError("表达式必须是字符串")
    source = expr.strip()
    if not source:
        raise ExpressionError("表达式为空")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"表达式过长（上限 {MAX_LENGTH} 个字符）", expr[:80])
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"表达式语法错误（{exc.msg}）", expr) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("表达式过于复杂", expr[:80]) from None


def _check(node: ast.AST, expr: str, allowed_functions: set[str] | frozenset[str], depth: int = 0) -> None:
    """Allow-list walk: every node type not named here is refused."""
    if depth > MAX_DEPTH:
        raise ExpressionError("表达式嵌套过深", expr)
    fail = ExpressionError  # short alias; messages name the construct the author wrote
    if isinstance(node, ast.Expression):
        _check(node.body, expr, allowed_functions, depth + 1)
        return
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, str | int | float | bool | type(None)):
            raise fail("不支持的常量", expr)
        return
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise fail(f"不允许使用以下划线开头的名称 {node.id}", expr)
        return
    if isinstance(node, ast.Attribute):
        _check(node.value, expr, allowed_functions, depth + 1)  # report the innermost offence first
        raise fail("不允许访问属性（“.”）", expr)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            _check(node.func, expr, allowed_functions, depth + 1)
            raise fail("只能直接调用允许的函数", expr)
        if node.func.id not in allowed_functions:
            raise fail(f"不允许调用函数 {node.func.id}", expr)
        if node.keywords:
            raise fail("函数调用不支持关键字参数", expr)
        children: list[ast.AST] = list(node.args)
    elif isinstance(node, ast.Subscript):
        index = node.slice
        plain = isinstance(index, ast.Constant | ast.Name) or (
            isinstance(index, ast.UnaryOp)
            and isinstance(index.op, ast.USub)
            and isinstance(index.operand, ast.Constant)
        )
        if not plain:
            raise fail("下标只能是常量或变量名", expr)
        children = [node.value, index]
    elif isinstance(node, ast.Starred):
        raise fail("不允许星号展开", expr)
    elif isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise fail("不允许 ** 展开", expr)
        children = [*[k for k in node.keys if k is not None], *node.values]
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        children = list(node.elts)
    elif isinstance(node, ast.BoolOp):
        children = list(node.values)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise fail("不支持的运算符（不允许 ** 与位运算）", expr)
        children = [node.left, node.right]
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise fail("不支持的一元运算符", expr)
        children = [node.operand]
    elif isinstance(node, ast.Compare):
        if any(type(op) not in _CMPOPS for op in node.ops):
            raise fail("不支持的比较运算符", expr)
        children = [node.left, *node.comparators]
    elif isinstance(node, ast.IfExp):
        children = [node.test, node.body, node.orelse]
    elif isinstance(node, ast.JoinedStr):
        children = list(node.values)
    elif isinstance(node, ast.FormattedValue):
        # A format spec like {x:>999999999} allocates gigabytes; conversions other than !s are pointless.
        if node.format_spec is not None or node.conversion not in (-1, ord("s")):
            raise fail("f-字符串不支持格式说明", expr)
        children = [node.value]
    else:
        raise fail(f"不允许的语法（{type(node).__name__}）", expr)
    for child in children:
        _check(child, expr, allowed_functions, depth + 1)


def check(expr: str, allowed_functions: set[str] | frozenset[str] = STANDARD_FUNCTIONS) -> None:
    """Deploy-time check: raises ExpressionError if `expr` uses anything outside the language."""
    _check(_parse(expr), expr, allowed_functions)


def _bounded(value: V, expr: str) -> V:
    if isinstance(value, str | list | tuple) and len(value) > MAX_SEQUENCE:
        raise ExpressionError(f"结果过大（上限 {MAX_SEQUENCE} 个元素）", expr)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise ExpressionError("数值过大", expr)
    return value


class _Evaluator:
    def __init__(self, expr: str, names: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]):
        self.expr = expr
        self.names = names
        self.functions = functions

    def run(self, node: ast.AST) -> Any:  # noqa: C901 - one flat dispatch is easier to audit than many methods
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                raise ExpressionError(f"未定义的变量 {node.id}（可选字段请用 get('{node.id}')）", self.expr)
            return self.names[node.id]
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            value: Any = None
            for sub in node.values:
                value = self.run(sub)
                if (not value) if is_and else value:
                    return value
            return value
        if isinstance(node, ast.UnaryOp):
            return _bounded(_UNARY[type(node.op)](self.run(node.operand)), self.expr)
        if isinstance(node, ast.BinOp):
            left, right = self.run(node.left), self.run(node.right)
            return self._binop(node.op, left, right)
        if isinstance(node, ast.Compare):
            left = self.run(node.left)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self.run(comp)
                if not _CMPOPS[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self.run(node.body) if self.run(node.test) else self.run(node.orelse)
        if isinstance(node, ast.Subscript):
            container, key = self.run(node.value), self.run(node.slice)
            if not isinstance(container, dict | list | tuple | str):
                raise ExpressionError("只能对字典、列表或字符串取下标", self.expr)
            try:
                return container[key]
            except (KeyError, IndexError, TypeError):
                raise ExpressionError(f"下标 {key!r} 不存在", self.expr) from None
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.List):
            return _bounded([self.run(e) for e in node.elts], self.expr)
        if isinstance(node, ast.Tuple):
            return tuple(self.run(e) for e in node.elts)
        if isinstance(node, ast.Set):
            return {self.run(e) for e in node.elts}
        if isinstance(node, ast.Dict):
            return {
                self.run(k): self.run(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None
            }
        if isinstance(node, ast.JoinedStr):
            return _bounded("".join(str(self.run(v)) for v in node.values), self.expr)
        if isinstance(node, ast.FormattedValue):
            return str(self.run(node.value))
        raise ExpressionError(f"不允许的语法（{type(node).__name__}）", self.expr)  # unreachable after _check

    def _binop(self, op: ast.operator, left: Any, right: Any) -> Any:
        seq = (str, list, tuple)
        if isinstance(op, ast.Mult):
            # Check the size *before* multiplying: 'x' * 10**9 must never be allocated.
            for a, b in ((left, right), (right, left)):
                if isinstance(a, seq) and isinstance(b, int) and len(a) * max(b, 0) > MAX_SEQUENCE:
                    raise ExpressionError(f"结果过大（上限 {MAX_SEQUENCE} 个元素）", self.expr)
        if isinstance(op, ast.Mod) and isinstance(left, str | bytes):
            raise ExpressionError("不支持 % 字符串格式化", self.expr)  # '%999999999d' % 1 allocates gigabytes
        try:
            return _bounded(_BINOPS[type(op)](left, right), self.expr)
        except ZeroDivisionError:
            raise ExpressionError("除数为零", self.expr) from None
        except TypeError:
            raise ExpressionError("运算的类型不匹配", self.expr) from None

    def _call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        args = [self.run(a) for a in node.args]
        if name == "get" and "get" not in self.functions:
            if not 1 <= len(args) <= 2 or not isinstance(args[0], str):
                raise ExpressionError("用法：get('字段名', 默认值)", self.expr)
            return self.names.get(args[0], args[1] if len(args) == 2 else None)
        func = self.functions.get(name)
        if func is None:
            raise ExpressionError(f"不允许调用函数 {name}", self.expr)
        try:
            return _bounded(func(*args), self.expr)
        except ExpressionError:
            raise
        except (TypeError, ValueError, OverflowError) as exc:
            raise ExpressionError(f"函数 {name} 调用失败（{exc}）", self.expr) from None


def evaluate(
    expr: str, names: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None
) -> Any:
    """Evaluate `expr` against `names` (task data); only `functions` (plus `get`) are callable."""
    functions = functions or {}
    tree = _parse(expr)
    _check(tree, expr, set(functions) | {"get"})
    try:
        return _Evaluator(expr, names, functions).run(tree.body)
    except ExpressionError:
        raise
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        # e.g. `-'x'`, `'a' < 1`, `{[1]: 2}`: data-dependent failures, reported like any other
        raise ExpressionError("表达式求值失败（类型或数值不符）", expr) from None
    except RecursionError:
        raise ExpressionError("表达式过于复杂", expr) from None


def _round(value: Any, ndigits: int = 0) -> Any:
    # round(5, -10**7) computes 10**10**7 and stalls the worker: clamp the digits.
    if not isinstance(ndigits, int) or not -20 <= ndigits <= 20:
        raise ExpressionError("round 的位数须在 -20 到 20 之间")
    return round(value, ndigits)


def _to_int(value: Any) -> int:
    if isinstance(value, str) and len(value) > 100:
        raise ExpressionError("int 的参数过长")
    return int(value)


def pure_functions() -> dict[str, Callable[..., Any]]:
    """The side-effect-free helpers; no clock, no data."""
    return {"len": len, "min": min, "max": max, "abs": abs, "int": _to_int, "str": str, "round": _round}


def standard_functions(now: datetime, calendar: WorkCalendar) -> dict[str, Callable[..., Any]]:
    """All STANDARD_FUNCTIONS except `get`/`visits` (the runner binds those per task), for clock `now`.

    Date helpers return ISO-8601 strings in Asia/Shanghai (+08:00): they end up in task data and in timer
    expressions, both of which must stay JSON.
    """
    from app.engine.calendar import TZ  # local import: calendar imports nothing from here, keep it that way

    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(TZ)

    def _number(n: Any, limit: int) -> float:
        if isinstance(n, bool) or not isinstance(n, int | float) or not 0 <= n <= limit:
            raise ExpressionError(f"参数须为 0 到 {limit} 之间的数字")
        return n

    def iso(moment: datetime) -> str:
        return moment.astimezone(TZ).isoformat()

    funcs = pure_functions()
    funcs.update(
        {
            "now": lambda: iso(local_now),
            "working_days": lambda n: iso(calendar.add_working_days(local_now, int(_number(n, 3650)))),
            "working_hours": lambda n: iso(calendar.add_working_hours(local_now, _number(n, 24 * 3650))),
            "days": lambda n: iso(local_now + timedelta(days=_number(n, 3650))),
            "hours": lambda n: iso(local_now + timedelta(hours=_number(n, 24 * 3650))),
            "minutes": lambda n: iso(local_now + timedelta(minutes=_number(n, 24 * 60 * 3650))),
        }
    )
    return funcs


def template_parts(text: str) -> list[tuple[bool, str]]:
    """Split an inbox-title template into (is_expression, text) parts.

    `审核：{get('project_name', '')}` is literal text with `{expression}` placeholders; `{{` and `}}` are
    literal braces. Placeholders cannot contain braces (so no dict displays inside titles).
    """
    parts: list[tuple[bool, str]] = []
    buf, i = "", 0
    while i < len(text):
        ch = text[i]
        if ch in "{}" and text[i : i + 2] in ("{{", "}}"):
            buf, i = buf + ch, i + 2
            continue
        if ch == "}":
            raise ExpressionError("标题模板的花括号不匹配", text)
        if ch == "{":
            end = text.find("}", i + 1)
            if end < 0 or "{" in text[i + 1 : end]:
                raise ExpressionError("标题模板的花括号不匹配", text)
            if buf:
                parts.append((False, buf))
                buf = ""
            parts.append((True, text[i + 1 : end]))
            i = end + 1
            continue
        buf, i = buf + ch, i + 1
    if buf:
        parts.append((False, buf))
    return parts


def check_template(text: str, allowed_functions: set[str] | frozenset[str] = STANDARD_FUNCTIONS) -> None:
    for is_expr, part in template_parts(text):
        if is_expr:
            check(part, allowed_functions)


def render_template(
    text: str, names: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]] | None = None
) -> str:
    out = []
    for is_expr, part in template_parts(text):
        value = evaluate(part, names, functions) if is_expr else part
        out.append("" if value is None else str(value))
    return _bounded("".join(out), text)
