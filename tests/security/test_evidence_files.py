"""Evidence of a self-assessment is read by the ministry and the operator through the assessment that
cites it. Only what the university's 经办人 uploaded may be cited: a student's complaint photo carries
the university's organisation too, but citing it would hand a psych-hotline ticket's attachment to
everyone who reads the assessment."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.core import uploads
from app.extensions import db
from app.models import Assessment, User
from tests.conftest import bearer, login
from tests.support.files import PDF
from tests.support.matrix_world import PSYCH, png


def test_only_the_universitys_own_uploads_can_be_cited_and_read_as_evidence(app, client, world) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["processes", "deploy"]).exit_code == 0
    assert runner.invoke(args=["indicators", "load"]).exit_code == 0
    world.user("uadmin", "university_admin")
    world.user("stu", "student")
    world.user("moe", "moe_reviewer")
    h = {name: bearer(client, name) for name in ("uadmin", "stu", "moe")}
    with app.app_context():  # a student's photo of a psych-hotline ticket: the university's file, not its 经办人's
        student = db.session.scalar(select(User).where(User.username == "stu"))
        photo = uploads.save(FileStorage(BytesIO(png()), filename="photo.png"), owner_id=student.id,
                             org_id=student.org_id, accept=["png"])
        db.session.commit()
        photo_id = photo.id
    filed = client.post("/api/v1/complaints", json={**PSYCH, "attachments": [photo_id]}, headers=h["stu"])
    assert filed.status_code == 201, filed.get_json()
    opened = client.post("/api/v1/assessment-rounds", headers=h["moe"], json={
        "name": "2026 考核", "self_due": (date.today() + timedelta(days=20)).isoformat(),
        "university_ids": [world.uni.id]})
    assert opened.status_code == 201, opened.get_json()
    with app.app_context():
        assessment_id = db.session.scalar(select(Assessment.id).where(Assessment.round_id == opened.get_json()["id"]))
    code = client.get(f"/api/v1/assessments/{assessment_id}", headers=h["uadmin"]).get_json()["items"][0]["code"]

    def cite(file_id: int) -> object:
        return client.put(f"/api/v1/assessments/{assessment_id}/self", headers=h["uadmin"],
                          json={"items": [{"code": code, "evidence_file_ids": [file_id]}]})

    refused = cite(photo_id)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"] == {f"items.{code}.evidence_file_ids": ["佐证材料不存在或不属于本校"]}
    reviewer = app.test_client()
    login(reviewer, "moe")
    assert reviewer.get(f"/assessments/{assessment_id}/files/{photo_id}").status_code == 404
    # what the 经办人 uploaded (evidence, or an image of the university's 育人号) is cited and read
    evidence = client.post("/api/v1/assessment-files", headers=h["uadmin"], content_type="multipart/form-data",
                           data={"file": (BytesIO(PDF), "佐证材料.pdf")}).get_json()["id"]
    image = client.post("/api/v1/post-files", headers=h["uadmin"], content_type="multipart/form-data",
                        data={"kind": "image", "file": (BytesIO(png()), "社区.png")}).get_json()["id"]
    for file_id in (evidence, image):
        assert cite(file_id).status_code == 200
        served = reviewer.get(f"/assessments/{assessment_id}/files/{file_id}")
        assert served.status_code == 200 and served.headers["Content-Disposition"].startswith("attachment")
