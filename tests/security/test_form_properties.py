"""Property tests (hypothesis) for task-form validation, over every form in forms/. Form data becomes
workflow variables (ENGINE-NOTES), so whatever a client sends:

- the API path either returns only declared fields or refuses with field messages (422), never another
  exception, and never lets an undeclared field (a pre-set `decision`) through;
- the page path (strings from an HTML form) likewise, ignoring unknown keys;
- data generated from the form's own JSON Schema is accepted as given (forms without database-backed
  choices or file fields)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from werkzeug.datastructures import MultiDict

from app.errors import ValidationFailed
from app.workflow import forms
from tests.conftest import ROOT

FORM_KEYS = sorted(path.stem for path in (ROOT / "forms").glob("*.json"))
SETTINGS = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _declared(app: Any, key: str) -> dict[str, Any]:
    with app.app_context():
        return forms.for_api(key, {})


def _validate(app: Any, key: str, data: Any, **kwargs: Any) -> dict[str, Any] | ValidationFailed:
    with app.app_context():
        try:
            return forms.validate(key, data, {}, actor_id=None, actor_org_id=None, **kwargs)
        except ValidationFailed as exc:
            return exc


def _assert_refusal_is_well_formed(result: ValidationFailed) -> None:
    assert result.status == 422 and result.fields
    assert all(isinstance(k, str) and v and all(isinstance(m, str) for m in v) for k, v in result.fields.items())


@pytest.mark.parametrize("key", FORM_KEYS)
def test_any_json_is_cleaned_to_declared_fields_or_refused(app, key) -> None:
    props = set(_declared(app, key)["properties"])
    keys = st.one_of(st.sampled_from(sorted(props)), st.text(max_size=12), st.just("decision"))

    @SETTINGS
    @given(data=st.one_of(st.dictionaries(keys, json_values, max_size=8), json_values))
    def run(data: Any) -> None:
        result = _validate(app, key, data)
        if isinstance(result, ValidationFailed):
            _assert_refusal_is_well_formed(result)
        else:
            assert isinstance(data, dict) and set(result) <= props and set(result) <= set(data)

    run()


@pytest.mark.parametrize("key", FORM_KEYS)
def test_any_html_post_is_cleaned_to_declared_fields_or_refused(app, key) -> None:
    props = sorted(_declared(app, key)["properties"])
    pairs = st.lists(st.tuples(st.one_of(st.sampled_from(props), st.text(max_size=10)), st.text(max_size=40)),
                     max_size=12)

    @SETTINGS
    @given(pairs=pairs)
    def run(pairs: list[tuple[str, str]]) -> None:
        result = _validate(app, key, MultiDict(pairs), from_html=True)
        if isinstance(result, ValidationFailed):
            _assert_refusal_is_well_formed(result)
        else:
            assert set(result) <= set(props)

    run()


def _self_contained(schema: dict[str, Any]) -> bool:
    """No choices computed from the database, no file fields (those need rows to point at)."""
    return not any(forms.widget(p) == "file" or (p.get("x-ui") or {}).get("choices")
                   for p in schema["properties"].values())


def _values(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values one property's schema allows (enough of JSON Schema for the platform's forms)."""
    if "enum" in prop:
        return st.sampled_from(prop["enum"])
    kind = prop.get("type")
    if kind == "string" and prop.get("format") == "date":
        return st.dates().map(lambda d: d.isoformat())
    if kind == "string" and prop.get("format") == "email":
        return st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.cn", fullmatch=True)
    if kind == "string":
        low, high = prop.get("minLength", 0), min(prop.get("maxLength", 200), 200)
        return st.text(min_size=max(low, 1), max_size=max(high, 1)).filter(lambda t: t.strip() == t and t)
    if kind in ("integer", "number"):
        return st.integers(int(prop.get("minimum", -10**6)), int(prop.get("maximum", 10**6)))
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        items = prop.get("items") or {}
        return st.lists(_values(items), min_size=prop.get("minItems", 0), max_size=min(prop.get("maxItems", 5), 5),
                        unique=bool(prop.get("uniqueItems")))
    return st.nothing()


@pytest.mark.parametrize("key", FORM_KEYS)
def test_data_that_follows_the_forms_own_schema_is_accepted(app, key) -> None:
    with app.app_context():
        schema = forms.load(key)
    if not _self_contained(schema):
        pytest.skip("choices or files come from the database")
    props, required = schema["properties"], set(schema.get("required", []))
    strategy = st.fixed_dictionaries({k: _values(p) for k, p in props.items() if k in required},
                                     optional={k: _values(p) for k, p in props.items() if k not in required})
    validator = Draft202012Validator(schema, format_checker=forms.FORMATS)

    @SETTINGS
    @given(data=strategy)
    def run(data: dict[str, Any]) -> None:
        assume(validator.is_valid(data))  # the conditional rules (if/then/else) of the form
        result = _validate(app, key, data)
        assert not isinstance(result, ValidationFailed), (data, result.fields)
        defaults = {name: prop["default"] for name, prop in props.items() if "default" in prop}
        assert result == {**defaults, **data}  # a field left out takes the form's default

    run()
