"""Study plans through the JSON API, exactly as the issue's contract states them."""

from __future__ import annotations

from tests.support.claude_standin import claude, good_plan  # noqa: F401  (fixture)
from tutorhub.models import Role

ASK = {"subject": "Maths", "grade": "CBSE class 10", "goal": "Boards", "hours_per_week": 4,
       "weak_areas": ["trigonometry"]}


def test_offline_plan_contract(client, as_role):
    student, headers = as_role(Role.STUDENT)
    res = client.post("/api/v1/students/study-plan/generate", json=ASK, headers=headers)
    assert res.status_code == 201, res.text
    assert res.json()["status"] == "ready" and set(res.json()) == {"id", "status"}
    plan_id = res.json()["id"]
    plan = client.get(f"/api/v1/study-plans/{plan_id}", headers=headers).json()
    assert (plan["status"], plan["source"]) == ("ready", "offline")
    assert [w["week"] for w in plan["weeks"]] == [1, 2, 3, 4]
    task = plan["weeks"][0]["topics"][0]["tasks"][0]
    assert {"id", "title", "done"} <= set(task)
    res = client.patch(f"/api/v1/study-plans/{plan_id}/tasks/{task['id']}", json={"done": True}, headers=headers)
    assert res.status_code == 200 and res.json()["done"] is True and res.json()["id"] == task["id"]
    mine = client.get("/api/v1/students/me/study-plans", headers=headers).json()
    assert [p["id"] for p in mine] == [plan_id] and mine[0]["progress"] > 0
    _, stranger = as_role(Role.STUDENT)
    assert client.get(f"/api/v1/study-plans/{plan_id}", headers=stranger).status_code == 404
    assert client.patch(f"/api/v1/study-plans/{plan_id}/tasks/{task['id']}", json={"done": False},
                        headers=stranger).status_code == 404
    bad = client.post("/api/v1/students/study-plan/generate", json={**ASK, "hours_per_week": 0}, headers=headers)
    assert bad.status_code == 422 and "hours_per_week" in bad.json()["fields"]
    _, tutor = as_role(Role.TUTOR)
    assert client.post("/api/v1/students/study-plan/generate", json=ASK, headers=tutor).status_code == 403


def test_claude_plan_is_202_then_ready(client, as_role, claude):  # noqa: F811
    claude.script = [("tool", good_plan())]
    _, headers = as_role(Role.STUDENT)
    res = client.post("/api/v1/students/study-plan/generate", json=ASK, headers=headers)
    assert res.status_code == 202 and res.json()["status"] == "generating"
    plan = client.get(f"/api/v1/study-plans/{res.json()['id']}", headers=headers).json()
    assert (plan["status"], plan["source"]) == ("ready", "claude")  # the test client runs background tasks


def test_claude_garbage_falls_back_offline(client, as_role, claude):  # noqa: F811
    claude.script = [("tool", {"weeks": 1}), ("tool", {"nope": True})]
    _, headers = as_role(Role.STUDENT)
    res = client.post("/api/v1/students/study-plan/generate", json=ASK, headers=headers)
    plan = client.get(f"/api/v1/study-plans/{res.json()['id']}", headers=headers).json()
    assert (plan["status"], plan["source"]) == ("ready", "offline")


def test_report_homework_submission_review_contract(client, db, bearer, make_user, make_approved_tutor):
    from datetime import UTC, datetime, timedelta

    from tests.api.conftest import PNG_BYTES
    from tests.support.booking import book, open_all_week
    from tutorhub.services.learning import lessons

    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    now = datetime.now(UTC)
    open_all_week(db, tutor, now=now, min_notice_hours=0)
    student = make_user(Role.STUDENT)
    start = (now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    booked = book(db, student, tutor_id, start, now=now, confirm=True)
    lessons.start_lesson(db, actor=tutor, booking_id=booked.id, now=start)
    lessons.complete_lesson(db, actor=tutor, booking_id=booked.id, now=start + timedelta(minutes=60))
    db.commit()
    t, s = bearer(tutor), bearer(student)
    body = {"topics": ["Quadratic equations"], "mistakes": ["sign errors"], "notes": "Good", "homework": True}
    assert client.post(f"/api/v1/bookings/{booked.id}/report", json=body, headers=s).status_code == 403
    res = client.post(f"/api/v1/bookings/{booked.id}/report", json=body, headers=t)
    assert res.status_code == 201, res.text
    hw_id = res.json()["homework_id"]
    assert res.json()["homework_status"] == "draft"
    assert client.post(f"/api/v1/bookings/{booked.id}/report", json=body, headers=t).status_code == 409
    assert client.get("/api/v1/homework", headers=s).json() == []  # not sent yet
    res = client.put(f"/api/v1/homework/{hw_id}", json={"exercises": ["Solve x^2 = 16"]}, headers=t)
    assert res.status_code == 200 and res.json()["status"] == "assigned"
    assert [h["id"] for h in client.get("/api/v1/homework", headers=s).json()] == [hw_id]
    res = client.post(f"/api/v1/homework/{hw_id}/files", files={"file": ("page.png", PNG_BYTES, "image/png")}, headers=s)
    assert res.status_code == 201, res.text
    file_url = res.json()["files"][0]["url"]
    res = client.post(f"/api/v1/homework/{hw_id}/submission", json={"answers": ["x = ±4"]}, headers=s)
    assert res.status_code == 200 and res.json()["status"] == "submitted"
    assert client.get(file_url, headers=t).content == PNG_BYTES
    _, stranger = None, bearer(make_user(Role.STUDENT))
    assert client.get(file_url, headers=stranger).status_code == 404
    assert client.get(f"/api/v1/homework/{hw_id}", headers=stranger).status_code == 404
    res = client.post(f"/api/v1/homework/{hw_id}/review", json={"score": 90, "feedback": ["Right"]}, headers=t)
    assert res.status_code == 200 and res.json()["score"] == 90
    assert client.get(f"/api/v1/homework/{hw_id}", headers=s).json()["exercises"][0]["feedback"] == "Right"


def test_guardian_contract_and_isolation(client, db, bearer, make_user):
    from tests.api.conftest import latest_code

    res = client.post("/api/v1/auth/register", json={"email": "parent@example.com", "password": "correct-horse-battery",
                                                     "full_name": "Pat Parent", "role": "guardian"})
    assert res.status_code in (200, 201), res.text
    g = {"Authorization": f"Bearer {res.json()['access_token']}"}
    child, other = make_user(Role.STUDENT), make_user(Role.STUDENT)
    c = bearer(child)
    res = client.post("/api/v1/guardians/links", json={"guardian_email": "Parent@Example.com"}, headers=c)
    assert res.status_code == 201 and res.json()["status"] == "pending"
    link_id = res.json()["id"]
    code = latest_code(db, "parent@example.com")
    assert client.post("/api/v1/guardians/links", json={"guardian_email": "x@example.com"}, headers=g).status_code == 403
    wrong = "000000" if code != "000000" else "111111"
    res = client.post(f"/api/v1/guardians/links/{link_id}/confirm", json={"code": wrong}, headers=g)
    assert res.status_code == 422
    _, intruder = None, bearer(make_user("guardian"))
    assert client.post(f"/api/v1/guardians/links/{link_id}/confirm", json={"code": code},
                       headers=intruder).status_code == 404  # not the invited address
    res = client.post(f"/api/v1/guardians/links/{link_id}/confirm", json={"code": code}, headers=g)
    assert res.status_code == 200 and res.json()["status"] == "active"
    kids = client.get("/api/v1/guardians/me/students", headers=g).json()
    assert [k["student_id"] for k in kids] == [child.id]
    assert client.get(f"/api/v1/guardians/me/students/{child.id}/lessons", headers=g).json() == []
    assert client.get(f"/api/v1/guardians/me/students/{other.id}/lessons", headers=g).status_code == 404
    assert client.get(f"/api/v1/guardians/me/students/{child.id}/lessons", headers=intruder).status_code == 404
    # The guardian asks for a plan for the child; the child sees it; the other child's id is 404.
    res = client.post("/api/v1/students/study-plan/generate", json={**ASK, "student_id": child.id}, headers=g)
    assert res.status_code == 201
    assert client.get(f"/api/v1/study-plans/{res.json()['id']}", headers=c).status_code == 200
    assert client.post("/api/v1/students/study-plan/generate", json={**ASK, "student_id": other.id},
                       headers=g).status_code == 404
    # The child unlinks: the guardian loses access at once.
    assert client.delete(f"/api/v1/guardians/links/{link_id}", headers=c).json()["status"] == "revoked"
    assert client.get(f"/api/v1/guardians/me/students/{child.id}/lessons", headers=g).status_code == 404
    assert client.get(f"/api/v1/study-plans/{res.json()['id']}", headers=g).status_code == 404


def test_progress_and_monthly_report(client, as_role):
    student, headers = as_role(Role.STUDENT)
    res = client.get(f"/api/v1/students/{student.id}/progress", headers=headers)
    assert res.status_code == 200 and res.json()["lessons"] == 0
    res = client.get(f"/api/v1/students/{student.id}/progress/report?month=2027-03", headers=headers)
    assert res.status_code == 200 and res.text.startswith("TutorHub progress report")
    assert "attachment" in res.headers["content-disposition"]
    _, other = as_role(Role.STUDENT)
    assert client.get(f"/api/v1/students/{student.id}/progress", headers=other).status_code == 404
    assert client.get(f"/api/v1/students/{student.id}/progress/report?month=2027-03").status_code == 404
    assert client.get(f"/api/v1/students/{student.id}/progress/report?month=2027-3", headers=headers).status_code == 422
