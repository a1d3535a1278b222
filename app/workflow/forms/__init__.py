"""Task forms: one JSON Schema file, `forms/<key>.json`, drives the HTML form, the API's `form`
field and server-side validation.

Conventions (draft 2020-12): `title` is the Chinese label; `x-ui` per property holds UI hints
{widget, labels, rows, placeholder, help, choices, accept, maxBytes}; the top-level `x-ui` holds
{order, submitLabel}. `x-ui.choices` names a resolver in `form_choices` whose values become `enum`.
A file field is an integer `StoredFile` id (or an array of them) with `x-ui.widget == "file"`.

`context` is a plain dict the choices resolvers read (`university_id` …). Which uploaded files a
file field may name is NOT taken from it (callers merge instance data into it): pass the acting
user as `actor_id` / `actor_org_id`; files they uploaded, or their organisation did, are allowed.

The package: `definitions` (the file, loading and checking it), `validation` (posted data against the
schema), `files` (file fields), `html` (the form as a page draws it)."""

from app.workflow.forms.definitions import (
    FormDefinitionError,
    UnknownForm,
    check,
    exists,
    for_api,
    load,
    ordered,
    widget,
)
from app.workflow.forms.files import files_from_request
from app.workflow.forms.html import HtmlField, HtmlForm, Option, html_form
from app.workflow.forms.validation import FORMATS, validate

__all__ = ["FORMATS", "FormDefinitionError", "HtmlField", "HtmlForm", "Option", "UnknownForm", "check",
           "exists", "files_from_request", "for_api", "html_form", "load", "ordered", "validate", "widget"]
