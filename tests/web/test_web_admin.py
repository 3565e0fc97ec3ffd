"""Administration over the API: people, units, numbers, SIP accounts, log-ins, import."""

from __future__ import annotations

from webtest import Web

from vaxel.storage.audit import AuditRepository

SBF = "Ekby kommun / Samhällsbyggnadsnämnden / Samhällsbyggnadsförvaltningen"
GOOD_CSV = f"""name,email,unit,title,kind,extension,mobile,end_date,keywords,sip_password
Rut Sjöberg,rut@ekby.se,{SBF} / Bygglov,Handläggare,anställd,4104,,,bygglov;detaljplan,rut-sip-pw-12
Olle Ek,olle@ekby.se,{SBF} / Miljö,Inspektör,tillfällig personal,4105,,2026-12-31,,
"""

BAD_CSV = """name,email,unit,title,kind,extension
Ada Ok,ada@ekby.se,Ekby kommun / Kommunstyrelsen,Utredare,anställd,4106
,nobody@ekby.se,Ekby kommun / Kommunstyrelsen,Utredare,anställd,
Bo Fel,bo-at-ekby,Ekby kommun / Kommunstyrelsen,Utredare,anställd,
Cia Fel,cia@ekby.se,Ekby kommun / Finns inte,Utredare,anställd,
"""


def test_csv_import_shows_every_bad_row_and_writes_nothing(web: Web) -> None:
    web.login("admin")
    response = web.client.post(
        "/api/import/people", files={"file": ("people.csv", BAD_CSV.encode(), "text/csv")}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert sorted({e["line"] for e in errors}) == [3, 4, 5]
    assert {(e["line"], e["column"]) for e in errors} >= {(3, "name"), (4, "email"), (5, "unit")}
    people = web.client.get("/api/people", params={"q": "ada"}).json()
    assert people == []


def test_csv_import_dry_run_then_for_real(web: Web) -> None:
    web.login("admin")
    files = {"file": ("people.csv", GOOD_CSV.encode(), "text/csv")}
    dry = web.client.post("/api/import/people", files=files, data={"dry_run": "true"})
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["created"] == 2
    assert web.client.get("/api/people", params={"q": "rut"}).json() == []
    files = {"file": ("people.csv", GOOD_CSV.encode(), "text/csv")}
    real = web.client.post("/api/import/people", files=files)
    assert real.status_code == 200, real.text
    assert real.json()["created"] == 2 and real.json()["accounts_created"] == 1
    hits = web.client.get("/api/directory/search", params={"q": "detaljplan"}).json()["hits"]
    assert [h["name"] for h in hits] == ["Rut Sjöberg"]


def test_people_add_and_update(web: Web) -> None:
    web.login("admin")
    bad = web.client.post("/api/people", json={
        "name": "Tim Tillfällig", "email": "tim@ekby.se", "unit_id": web.ids.units["Miljö"],
        "kind": "tillfällig personal",
    })  # fmt: skip
    assert bad.status_code == 422 and bad.json()["field"] == "end_date"
    made = web.client.post("/api/people", json={
        "name": "Tim Tillfällig", "email": "tim@ekby.se", "unit_id": web.ids.units["Miljö"],
        "kind": "temporary", "valid_to": "2026-08-31", "keywords": "sommar; livsmedel",
    }).json()  # fmt: skip
    assert made["kind"] == "tillfällig personal" and made["keywords"] == ["sommar", "livsmedel"]
    updated = web.client.put(f"/api/people/{made['id']}", json={
        "name": "Tim Tillfällig", "email": "tim@ekby.se", "unit_id": web.ids.units["Bygglov"],
        "kind": "tillfällig personal", "valid_to": "2026-09-30", "title": "Sommarjobbare",
    }).json()  # fmt: skip
    assert updated["unit_path"].endswith("/ Bygglov") and updated["title"] == "Sommarjobbare"


def test_numbers_assign_and_release(web: Web) -> None:
    web.login("admin")
    made = web.client.post("/api/numbers", json={
        "number": "4110", "kind": "extension", "person": "maja@ekby.se",
    })  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["e164"] == "+46101304110"
    twice = web.client.post("/api/numbers", json={
        "number": "4110", "kind": "extension", "person": "anna@ekby.se",
    })  # fmt: skip
    assert twice.status_code == 422 and twice.json()["field"] == "number"
    mobile = web.client.post("/api/numbers", json={
        "number": "070-555 66 77", "kind": "mobile", "person": "Maja Nilsson",
    })  # fmt: skip
    assert mobile.json()["e164"] == "+46705556677"
    function = web.client.post("/api/numbers", json={
        "number": "4300", "kind": "function", "unit_id": web.ids.units["Skolskjuts"],
        "label": "Skolskjuts",
    })  # fmt: skip
    assert function.status_code == 201, function.text
    hits = web.client.get("/api/directory/search", params={"q": "skolskjuts"}).json()["hits"]
    assert [h["kind"] for h in hits] == ["function", "person"]
    assert web.client.post("/api/numbers/%2B46101304110/release").status_code == 204
    numbers = web.client.get("/api/numbers", params={"person_id": web.ids.people["maja"]}).json()
    assert [n["e164"] for n in numbers] == ["+46101304103", "+46705556677"]
    unknown = web.client.post("/api/numbers", json={
        "number": "4111", "kind": "extension", "person": "ingen alls",
    })  # fmt: skip
    assert unknown.status_code == 404


def test_sip_accounts(web: Web) -> None:
    web.login("admin")
    short = web.client.post("/api/sip-accounts", json={
        "person": "maja@ekby.se", "username": "4103", "device": "bordstelefon",
        "password": "kort",
    })  # fmt: skip
    assert short.status_code == 422 and short.json()["field"] == "password"
    made = web.client.post("/api/sip-accounts", json={
        "person": "maja@ekby.se", "username": "4103", "device": "bordstelefon",
        "password": "maja-desk-secret",
    })  # fmt: skip
    assert made.status_code == 201, made.text
    listed = web.client.get("/api/sip-accounts", params={"person_id": web.ids.people["maja"]})
    account = listed.json()[0]
    assert account["enabled"] is True and "ha1" not in str(account)
    assert (
        web.client.post(
            f"/api/sip-accounts/{account['id']}/enabled", json={"enabled": False}
        ).status_code
        == 204
    )
    assert web.client.get("/api/sip-accounts", params={
        "person_id": web.ids.people["maja"]}).json()[0]["enabled"] is False  # fmt: skip


def test_units_chef_and_closures(web: Web) -> None:
    web.login("admin")
    parent = web.ids.units["Samhällsbyggnadsförvaltningen"]
    made = web.client.post(
        "/api/units", json={"name": "Detaljplan", "kind": "enhet", "parent_id": parent}
    )
    assert made.status_code == 201, made.text
    unit = made.json()["id"]
    assert (
        web.client.put(
            f"/api/units/{unit}/verksamhetschef", json={"person": "bjorn@ekby.se"}
        ).status_code
        == 204
    )
    units = {u["id"]: u for u in web.client.get("/api/units").json()}
    assert units[unit]["verksamhetschef_id"] == web.ids.people["bjorn"]
    closure = web.client.post("/api/closures", json={
        "unit_id": web.ids.units["Bygglov"], "starts_at": "2026-03-10T10:30",
        "ends_at": "2026-03-10T11:30", "reason": "Personalmöte",
    })  # fmt: skip
    assert closure.status_code == 201, closure.text
    listed = web.client.get("/api/closures").json()
    assert listed[0]["reason"] == "Personalmöte"
    assert listed[0]["starts_at"] == "2026-03-10T10:30:00+01:00"
    hours = web.client.get(f"/api/units/{web.ids.units['Bygglov']}/telephone-hours").json()
    assert hours["effective"]["status"] == "Öppet nu, till 10.30"


def test_telephone_hours_are_read_as_typed(web: Web) -> None:
    web.login("chef")
    unit = web.ids.units["Miljö"]
    saved = web.client.put(
        f"/api/units/{unit}/telephone-hours",
        json={"schedule": "mån-tor 8-12 och 13-16, fre 8-12; aftnar stängt"},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["effective"]["schedule"] == (
        "måndag–torsdag 08.00–12.00 och 13.00–16.00, fredag 08.00–12.00"
    )
    bad = web.client.put(f"/api/units/{unit}/telephone-hours", json={"schedule": "ibland"})
    assert bad.status_code == 422 and bad.json()["field"] == "hours"
    inherit = web.client.put(f"/api/units/{unit}/telephone-hours", json={"schedule": ""})
    assert inherit.json()["inherited"] is True


def test_holidays(web: Web) -> None:
    web.login("admin")
    days = {d["name"]: d for d in web.client.get("/api/holidays", params={"year": 2026}).json()}
    assert days["Julafton"]["kind"] == "eve" and days["Juldagen"]["kind"] == "holiday"
    assert days["Midsommarafton"]["date"] == "2026-06-19"


def test_web_log_ins(web: Web) -> None:
    web.login("admin")
    made = web.client.post("/api/users", json={
        "username": "bjorn", "password": "bjorn-web-password", "role": "medarbetare",
        "person": "bjorn@ekby.se",
    })  # fmt: skip
    assert made.status_code == 201, made.text
    assert (
        web.client.put(
            f"/api/users/{made.json()['id']}/role", json={"role": "telefonist"}
        ).status_code
        == 204
    )
    web.logout()
    web.login("bjorn", "bjorn-web-password")
    assert web.client.get("/api/switchboard/queue").status_code == 200


def test_an_existing_log_in_is_linked_to_a_person(web: Web) -> None:
    """The seed's admin log-in is nobody; an administrator links it to Björn, which opens his
    self-service to it, and unlinks it again. A person the directory does not know, or more
    than one, is refused with the person field named. Every change is audited."""
    web.login("admin")
    users = {u["username"]: u for u in web.client.get("/api/users").json()}
    admin = users["admin"]["id"]
    assert users["admin"]["person_id"] is None
    page = web.client.get("/admin/users").text
    assert 'data-api="/api/users/{user}/person"' in page and "admin – ingen person" in page
    assert web.client.get("/me").status_code == 403  # self-service needs a person

    unknown = web.client.put(f"/api/users/{admin}/person", json={"person": "ingen alls"})
    assert (unknown.status_code, unknown.json()["field"]) == (422, "person")
    assert unknown.json()["detail"].startswith("Person: ingen i katalogen matchar 'ingen alls'")
    several = web.client.put(f"/api/users/{admin}/person", json={"person": "Ö"})
    assert (several.status_code, several.json()["field"]) == (422, "person")
    assert "matchar" in several.json()["detail"] and "Anna Öberg" in several.json()["detail"]
    web.client.cookies.set("vaxel_lang", "en")
    english = web.client.put(f"/api/users/{admin}/person", json={"person": "ingen alls"})
    assert english.json()["detail"].startswith("person: nobody matches")
    web.client.cookies.set("vaxel_lang", "sv")
    missing = web.client.put(f"/api/users/{admin}/person", json={"person_id": 99999})
    assert (missing.status_code, missing.json()["field"]) == (422, "person")
    assert web.client.put("/api/users/99999/person", json={}).status_code == 404

    linked = web.client.put(f"/api/users/{admin}/person", json={"person": "bjorn@ekby.se"})
    assert linked.status_code == 200, linked.text
    assert (linked.json()["person_id"], linked.json()["person_name"]) == (
        web.ids.people["bjorn"],
        "Björn Ängström",
    )
    assert "admin – Björn Ängström" in web.client.get("/admin/users").text
    assert web.client.get("/me").status_code == 200  # now his self-service
    again = web.client.put(f"/api/users/{admin}/person", json={"person": "4102"})  # no change
    assert again.json()["person_id"] == web.ids.people["bjorn"]
    unlinked = web.client.put(f"/api/users/{admin}/person", json={"person": ""})
    assert unlinked.status_code == 200 and unlinked.json()["person_id"] is None
    web.logout()
    with web.db.session() as s:
        entries = AuditRepository(s).entries(subject=f"user:{admin}")
    bjorn = f"person:{web.ids.people['bjorn']}"
    assert [(e.action, e.actor, e.detail) for e in entries if e.action == "user.person"] == [
        ("user.person", "admin", f"{bjorn} → nobody"),  # newest first
        ("user.person", "admin", f"nobody → {bjorn}"),
    ]
    web.login("chef")  # only an administrator links log-ins
    refused = web.client.put(f"/api/users/{admin}/person", json={"person": "bjorn@ekby.se"})
    assert refused.status_code == 403


def test_function_number_hours(web: Web) -> None:
    web.login("admin")
    saved = web.client.put(
        "/api/numbers/%2B46101304000/telephone-hours", json={"schedule": "mån-fre 13-15"}
    )
    assert saved.status_code == 204, saved.text
    hit = web.client.get("/api/directory/search", params={"q": "bygglov"}).json()["hits"][0]
    assert hit["kind"] == "function"
    assert hit["hours"]["status"] == "Stängt – öppnar i dag 13.00"
    assert "Stängt – öppnar i dag 13.00" in web.client.get("/admin/hours").text
