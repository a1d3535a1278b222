"""Property tests (hypothesis) for the BPMN expression evaluator, beside the example-based
tests/engine/test_expressions.py: whatever text or data comes in, the only outcomes are a value or an
ExpressionError (never another exception, never a hang, never code run); what it computes is what Python
computes for the same small language; and anything outside the language is refused at deploy time."""

from __future__ import annotations

import ast
import warnings
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.engine import expressions
from app.engine.calendar import TZ, WorkCalendar
from app.engine.expressions import ExpressionError, check, evaluate

NOW = datetime(2024, 9, 30, 10, 0, tzinfo=TZ)
FUNCS = expressions.standard_functions(NOW, WorkCalendar())
SETTINGS = settings(max_examples=300, deadline=1000, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, width=32)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5),
    max_leaves=20,
)
names = st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True), json_values, max_size=6)


def _outcome(expr: str, data: dict[str, Any]) -> Any:
    try:
        return evaluate(expr, data, FUNCS)
    except ExpressionError:
        return ExpressionError


@SETTINGS
@given(expr=st.text(max_size=200), data=names)
def test_any_text_is_a_value_or_an_expression_error(expr: str, data: dict[str, Any]) -> None:
    _outcome(expr, data)  # anything else (TypeError, RecursionError, MemoryError …) fails the test


# The grammar of the language, generated as source text.
ATOMS = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.sampled_from(["a", "b", "c", "True", "False", "None", "'x'", "'yz'", "[1, 2]", "(1,)", "{'k': 1}"]),
)


def _compose(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "//", "%", "/", "==", "!=", "<", "<=", ">", ">=",
                                               "and", "or", "in", "not in", "is", "is not"]), inner)
    return st.one_of(
        binary.map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda e: f"(not {e})"),
        inner.map(lambda e: f"(-{e})"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.tuples(st.sampled_from(["len", "abs", "str", "min", "max"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
    )


expressions_in_language = st.recursive(ATOMS, _compose, max_leaves=12)
small_data = st.fixed_dictionaries({"a": st.integers(-50, 50), "b": st.integers(-50, 50),
                                    "c": st.sampled_from(["x", "yz", ""])})


def _python(expr: str, data: dict[str, Any]) -> Any:
    """The reference: CPython on the same source, for expressions already known to be in the language."""
    safe = {"len": len, "abs": abs, "str": str, "min": min, "max": max}
    try:
        with warnings.catch_warnings():  # `x is 1` warns at compile time; it is still valid Python
            warnings.simplefilter("ignore", SyntaxWarning)
            code = compile(ast.parse(expr, mode="eval"), "<ref>", "eval")
        return eval(code, {"__builtins__": {}, **safe}, data)  # noqa: S307
    except Exception:  # noqa: BLE001 - any failure of the reference is an ExpressionError of ours
        return ExpressionError


@SETTINGS
@given(expr=expressions_in_language, data=small_data)
def test_the_language_computes_what_python_computes(expr: str, data: dict[str, Any]) -> None:
    check(expr)  # everything this grammar produces is allowed at deploy time
    expected = _python(expr, data)
    # Our caps refuse what Python would compute but a worker must not (huge strings, huge integers).
    assume(not (isinstance(expected, str | list | tuple) and len(expected) > expressions.MAX_SEQUENCE))
    assume(not (isinstance(expected, int) and abs(expected).bit_length() > expressions.MAX_INT_BITS))
    actual = _outcome(expr, data)
    if expected is ExpressionError:
        assert actual is ExpressionError
    else:
        assert actual == expected and type(actual) is type(expected)


FORBIDDEN = st.sampled_from([
    "{e}.__class__", "{e}.real", "__import__('os')", "_hidden", "(lambda: {e})()", "[v for v in [{e}]]",
    "{{v: 1 for v in [{e}]}}", "({e}) ** 2", "({e}) << 1", "({e}) | 1", "~({e})", "(v := {e})",
    "[{e}][0:1]", "max(*[{e}])", "open('/etc/passwd')", "getattr({e}, 'x')", "type({e})", "{e}[__name__]",
    "f'{{{e}:>10}}'", "f'{{{e}!r}}'", "b'x'", "print({e})",
])


@SETTINGS
@given(fragment=FORBIDDEN, inner=expressions_in_language, wrap=st.sampled_from(["{x}", "({x}) and a", "[{x}]",
                                                                               "a if {x} else b", "len({x})"]))
def test_anything_outside_the_language_is_refused_at_deploy_and_at_run_time(fragment: str, inner: str,
                                                                           wrap: str) -> None:
    expr = wrap.format(x=fragment.format(e=inner))
    with pytest.raises(ExpressionError):
        check(expr)
    with pytest.raises(ExpressionError):
        evaluate(expr, {"a": 1, "b": 2, "c": "x"}, FUNCS)


@SETTINGS
@given(name=st.from_regex(r"_[A-Za-z0-9_]{0,10}", fullmatch=True), data=names)
def test_underscore_names_are_never_readable_even_when_present_in_the_data(name: str, data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError):
        evaluate(name, {**data, name: "secret"}, FUNCS)


@SETTINGS
@given(template=st.text(max_size=80), data=names)
def test_title_templates_render_or_fail_cleanly(template: str, data: dict[str, Any]) -> None:
    try:
        rendered = expressions.render_template(template, data, FUNCS)
    except ExpressionError:
        return
    assert isinstance(rendered, str) and len(rendered) <= expressions.MAX_SEQUENCE
