"""Every endpoint checks role and unit: the boundaries, one by one."""

from __future__ import annotations

from webtest import Web

from vaxel.storage.audit import AuditRepository


def test_an_employee_cannot_read_another_persons_voicemail(web: Web) -> None:
    web.login("maja")
    anna_message = web.ids.voicemails["anna"]
    assert web.client.get(f"/api/voicemail/{anna_message}/audio").status_code == 403
    assert web.client.post(f"/api/voicemail/{anna_message}/heard").status_code == 403
    assert web.client.delete(f"/api/voicemail/{anna_message}").status_code == 403
    mine = web.client.get("/api/me/voicemail").json()
    assert [m["id"] for m in mine] == [web.ids.voicemails["maja"]]
    assert web.client.get(f"/api/voicemail/{web.ids.voicemails['maja']}/audio").status_code == 200


def test_not_even_a_chef_or_admin_reads_someone_elses_voicemail(web: Web) -> None:
    for user in ("chef", "admin"):
        web.login(user)
        response = web.client.get(f"/api/voicemail/{web.ids.voicemails['anna']}/audio")
        assert response.status_code == 403, user
        web.logout()


def test_an_employee_sets_only_their_own_hanvisning(web: Web) -> None:
    web.login("maja")
    maja, anna = web.ids.people["maja"], web.ids.people["anna"]
    body = {"reason": "lunch", "until": "13:00"}
    assert web.client.put(f"/api/people/{maja}/absence", json=body).status_code == 200
    assert web.client.put(f"/api/people/{anna}/absence", json=body).status_code == 403
    assert web.client.delete(f"/api/people/{anna}/absence").status_code == 403


def test_an_operator_sets_anyones_hanvisning_on_their_behalf(web: Web) -> None:
    web.login("telefonist")
    bjorn = web.ids.people["bjorn"]
    response = web.client.put(
        f"/api/people/{bjorn}/absence", json={"reason": "kurs", "until": "i morgon 08:00"}
    )
    assert response.status_code == 200
    with web.db.session() as s:
        entry = AuditRepository(s).entries(subject=f"person:{bjorn}", action_prefix="absence")[0]
    assert (entry.actor, entry.channel.value) == ("telefonist", "operator")


def test_employees_and_chefs_are_not_operators(web: Web) -> None:
    for user in ("maja", "chef"):
        web.login(user)
        assert web.client.get("/api/switchboard/queue").status_code == 403
        assert web.client.post("/api/switchboard/answer-next").status_code == 403
        assert web.client.post("/api/callbacks", json={
            "for_person_id": web.ids.people["anna"], "caller_number": "0701234567"
        }).status_code == 403  # fmt: skip
        assert web.client.get("/console").status_code == 403
        web.logout()


def test_a_chef_decides_only_in_their_own_units(web: Web) -> None:
    web.login("chef")  # Karin Ek, Samhällsbyggnadsförvaltningen
    decision = {
        "kind": "after_hours", "reason": "Jour vid översvämning", "valid_from": "2026-03-10",
        "valid_to": "2026-06-30",
    }  # fmt: skip
    inside = web.client.post(
        "/api/exceptions", json={**decision, "person_id": web.ids.people["anna"]}
    )
    assert inside.status_code == 201, inside.text
    outside = web.client.post(
        "/api/exceptions", json={**decision, "person_id": web.ids.people["david"]}
    )
    assert outside.status_code == 403
    assert "inte är verksamhetschef" in outside.json()["detail"]
    hours = {"schedule": "mån-fre 09-11"}
    assert (
        web.client.put(
            f"/api/units/{web.ids.units['Skolskjuts']}/telephone-hours", json=hours
        ).status_code
        == 403
    )
    assert (
        web.client.put(
            f"/api/units/{web.ids.units['Miljö']}/telephone-hours", json=hours
        ).status_code
        == 200
    )
    listed = web.client.get("/api/exceptions").json()
    assert {e["person_name"] for e in listed} == {"Anna Öberg"}


def test_a_chef_cannot_decide_for_themselves(web: Web) -> None:
    web.login("chef")
    response = web.client.post("/api/exceptions", json={
        "person_id": web.ids.people["karin"], "kind": "private_use", "reason": "Jag vill",
        "valid_from": "2026-03-10", "valid_to": "2026-04-10",
    })  # fmt: skip
    assert response.status_code == 422
    assert response.json()["field"] == "decided_by"  # the domain rule: ask the next level up


def test_an_admin_is_not_a_verksamhetschef(web: Web) -> None:
    web.login("admin")
    response = web.client.post("/api/exceptions", json={
        "person_id": web.ids.people["anna"], "kind": "private_use", "reason": "Test",
        "valid_from": "2026-03-10", "valid_to": "2026-04-10",
    })  # fmt: skip
    # Anna's verksamhetschef decides; an administrator only where no chef is above.
    assert response.status_code == 422 and response.json()["field"] == "decided_by"
    assert "verksamhetschef" in response.json()["detail"]


def test_a_chefs_overview_shows_only_their_units(web: Web) -> None:
    web.login("chef")
    overview = web.client.get("/api/units/overview").json()
    subjects = {f["subject"] for f in overview["findings"]}
    assert "Björn Ängström" in subjects  # missing greeting and an overdue callback
    assert "David Zetterberg" not in subjects  # sick without return, but in Per's unit
    web.logout()
    web.login("per")
    overview = web.client.get("/api/units/overview").json()
    assert {f["subject"] for f in overview["findings"]} >= {"David Zetterberg"}
    assert "Björn Ängström" not in {f["subject"] for f in overview["findings"]}


def test_callbacks_are_handled_by_their_person_or_chef(web: Web) -> None:
    task = web.ids.callbacks["maja-open"]
    web.login("anna")
    assert web.client.post(f"/api/callbacks/{task}/done", json={}).status_code == 403
    assert web.client.get("/api/callbacks?scope=all").status_code == 403
    assert web.client.get("/api/callbacks?scope=units").status_code == 403
    web.logout()
    web.login("per")  # chef elsewhere
    assert web.client.post(f"/api/callbacks/{task}/done", json={}).status_code == 403
    web.logout()
    web.login("chef")
    assert web.client.post(f"/api/callbacks/{task}/done", json={}).status_code == 200


def test_admin_endpoints_are_for_admins(web: Web) -> None:
    web.login("chef")
    assert web.client.get("/api/people").status_code == 403
    assert (
        web.client.post(
            "/api/numbers", json={"number": "4999", "kind": "extension", "person": "maja@ekby.se"}
        ).status_code
        == 403
    )
    assert web.client.get("/api/users").status_code == 403
    files = {"file": ("people.csv", b"name,email,unit\n", "text/csv")}
    assert web.client.post("/api/import/people", files=files).status_code == 403
    assert web.client.get("/admin").status_code == 403


def test_a_login_without_a_person_has_no_self_service(web: Web) -> None:
    web.login("admin")
    response = web.client.get("/api/me/voicemail")
    assert response.status_code == 403
    assert "hör inte till någon person" in response.json()["detail"]
