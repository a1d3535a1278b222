"""Lists answer 200 to everyone logged in (test_access_matrix.py), so what matters is what is in them:
a university's people never list another university's objects, national roles never list students'
tickets, and a psych-hotline ticket is listed only to the dispatchers, the psych centre and its student."""

from __future__ import annotations

import pytest

from tests.support.matrix_world import MatrixWorld

UNIVERSITY_ROLES = ("university_admin", "dispatcher", "department_handler", "student")


@pytest.fixture
def mw(app, client, world) -> MatrixWorld:
    return MatrixWorld(app, client, world)


def _items(mw: MatrixWorld, url: str, role: str) -> list[dict]:
    response = mw.client.get(url, headers=mw.api_headers(role))
    assert response.status_code == 200, (url, role, response.get_json())
    body = response.get_json()
    return body["items"] if isinstance(body, dict) else body


@pytest.mark.parametrize("role", UNIVERSITY_ROLES)
@pytest.mark.parametrize("url", ["/api/v1/complaints", "/api/v1/posts", "/api/v1/info-reports",
                                 "/api/v1/assessments"])
def test_university_people_list_only_their_universitys_objects(mw, role, url) -> None:
    own = mw.side("own").uni.id
    items = _items(mw, url, role)
    assert all(item["university_id"] == own for item in items), (role, url, items)


@pytest.mark.parametrize("role", UNIVERSITY_ROLES)
def test_university_people_list_no_task_of_another_universitys_case(mw, role) -> None:
    other = mw.side("other").ids
    foreign = {other["instance_id"], other["review"]["instance_id"], other["complaint"]["instance_id"],
               other["post"]["instance_id"]}
    items = _items(mw, "/api/v1/tasks?scope=all&limit=500", role)
    assert not {t["instance_id"] for t in items} & foreign


@pytest.mark.parametrize("role", ["moe_reviewer", "operator", "process_admin"])
def test_national_roles_list_no_tickets(mw, role) -> None:
    assert _items(mw, "/api/v1/complaints", role) == []


@pytest.mark.parametrize(("role", "listed"), [("university_admin", False), ("department_handler", False),
                                              ("dispatcher", True), ("student", True)])
def test_a_psych_ticket_is_listed_only_to_those_who_may_see_it(mw, role, listed) -> None:
    psych = mw.side("own").ids["psych"]
    complaints = {c["id"] for c in _items(mw, "/api/v1/complaints?limit=500", role)}
    assert (psych["complaint_id"] in complaints) is listed
    tasks = {t["instance_id"] for t in _items(mw, "/api/v1/tasks?scope=all&limit=500", role)}
    if not listed:
        assert psych["instance_id"] not in tasks


def test_the_psych_centre_lists_its_ticket_and_the_logistics_office_does_not(mw) -> None:
    psych = mw.side("own").ids["psych"]
    response = mw.client.get("/api/v1/complaints?limit=500", headers=mw.headers["psych_handler"])
    assert psych["complaint_id"] in {c["id"] for c in response.get_json()["items"]}
    tasks = mw.client.get("/api/v1/tasks?scope=group", headers=mw.headers["psych_handler"]).get_json()["items"]
    assert psych["instance_id"] in {t["instance_id"] for t in tasks}
