"""Exception requests (the employee asks, the unit's chef decides), notes on people, and the
import page's fuller result."""

from __future__ import annotations

from webtest import Web

from vaxel.storage.audit import AuditRepository
from vaxel.storage.barring import BarringRepository

ASK = {
    "kind": "after_hours",
    "reason": "Beredskap för bygglovsärenden under påsken",
    "wanted_from": "2026-04-01",
    "wanted_to": "2026-04-30",
}


def ask(web: Web, user: str = "anna", body: dict[str, str] | None = None) -> int:
    web.login(user)
    response = web.client.post("/api/exceptions/requests", json=body or ASK)
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["status"] == "pending" and made["status_label"] == "Väntar på beslut"
    web.logout()
    return int(made["id"])


def test_employee_asks_chef_approves_employee_sees_it(web: Web) -> None:
    request_id = ask(web)
    web.login("chef")
    waiting = web.client.get("/api/exceptions/requests").json()
    assert [(r["id"], r["person_name"], r["may_decide"]) for r in waiting] == [
        (request_id, "Anna Öberg", True)
    ]
    assert (waiting[0]["wanted_from"], waiting[0]["wanted_to"]) == ("2026-04-01", "2026-04-30")
    approved = web.client.post(
        f"/api/exceptions/requests/{request_id}/approve",
        json={"valid_from": "2026-04-01", "valid_to": "2026-04-14", "reason": "två veckor"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert web.client.get("/api/exceptions/requests").json() == []
    (exception,) = web.client.get("/api/exceptions").json()
    assert (exception["person_name"], exception["valid_to"]) == ("Anna Öberg", "2026-04-14")
    again = web.client.post(f"/api/exceptions/requests/{request_id}/deny", json={"reason": "x"})
    assert again.status_code == 422 and again.json()["detail"] == "Ansökan är redan beviljad."
    web.logout()

    web.login("anna")
    (mine,) = web.client.get("/api/exceptions/requests/mine").json()
    assert (mine["status"], mine["decided_by_name"]) == ("approved", "Karin Ek")
    assert (mine["granted_from"], mine["granted_to"]) == ("2026-04-01", "2026-04-14")
    assert mine["decision_reason"] == "två veckor"
    page = web.client.get("/me/exceptions").text
    assert "Beviljad" in page and "2026-04-01 – 2026-04-14" in page
    with web.db.session() as s:
        actions = {
            e.action for e in AuditRepository(s).entries(subject=f"person:{web.ids.people['anna']}")
        }
    assert {"barring.request", "barring.exception", "barring.request.approved"} <= actions


def test_chef_denies_with_a_reason_the_employee_reads(web: Web) -> None:
    request_id = ask(web, body=ASK | {"kind": "private_use"})
    web.login("chef")
    url = f"/api/exceptions/requests/{request_id}/deny"
    empty = web.client.post(url, json={"reason": ""})
    assert empty.status_code == 422
    assert (empty.json()["field"], empty.json()["detail"]) == ("reason", "Skäl: måste fyllas i")
    blank = web.client.post(url, json={"reason": "   "})
    assert blank.json()["detail"] == "Skriv varför ansökan avslås."
    denied = web.client.post(url, json={"reason": "Privata samtal sker från egen telefon."})
    assert denied.status_code == 200 and denied.json()["status_label"] == "Avslagen"
    web.logout()
    web.login("anna")
    web.client.cookies.set("vaxel_lang", "en")
    (mine,) = web.client.get("/api/exceptions/requests/mine").json()
    assert (mine["status_label"], mine["kind_label"]) == ("Denied", "Private use")
    assert mine["decision_reason"] == "Privata samtal sker från egen telefon."
    with web.db.session() as s:
        assert BarringRepository(s).exceptions(web.ids.people["anna"]) == []


def test_who_may_decide(web: Web) -> None:
    request_id = ask(web)
    approve = f"/api/exceptions/requests/{request_id}/approve"
    deny = f"/api/exceptions/requests/{request_id}/deny"
    # Anonymous: 401. A medarbetare decides nothing, not even their own request.
    assert web.client.post(approve, json={}).status_code == 401
    for user in ("anna", "maja"):
        web.login(user)
        assert web.client.post(approve, json={}).status_code == 403
        assert web.client.post(deny, json={"reason": "nej"}).status_code == 403
        assert web.client.get("/api/exceptions/requests").status_code == 403
        web.logout()
    # A chef of other units neither sees nor decides it.
    web.login("per")
    assert web.client.get("/api/exceptions/requests").json() == []
    refused = web.client.post(approve, json={})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Det här gäller en enhet där du inte är verksamhetschef."
    assert web.client.post(deny, json={"reason": "nej"}).status_code == 403
    web.logout()
    # An admin sees it, but the unit's verksamhetschef decides.
    web.login("admin")
    (seen,) = web.client.get("/api/exceptions/requests").json()
    assert seen["may_decide"] is False
    assert web.client.post(approve, json={}).status_code == 403
    web.logout()
    with web.db.session() as s:
        assert BarringRepository(s).get_request(request_id).is_pending
    # The chef approves for the wanted days when none are given.
    web.login("chef")
    assert web.client.post(approve, json={}).json()["status"] == "approved"
    (exception,) = web.client.get("/api/exceptions").json()
    assert (exception["valid_from"], exception["valid_to"]) == ("2026-04-01", "2026-04-30")


def test_a_chefs_own_request_is_not_theirs_to_decide(web: Web) -> None:
    request_id = ask(web, "chef")
    web.login("chef")
    assert web.client.get("/api/exceptions/requests").json() == []
    response = web.client.post(f"/api/exceptions/requests/{request_id}/approve", json={})
    assert response.status_code == 403


def test_bad_requests_name_the_field(web: Web) -> None:
    web.login("anna")
    cases = [
        (ASK | {"reason": ""}, "reason", "Skäl: måste fyllas i"),
        (ASK | {"wanted_to": "2026-03-31"}, "wanted_to", "Sista dagen är före den första."),
        (ASK | {"wanted_to": "2027-06-01"}, "wanted_to", "Ett undantag gäller högst 366 dagar."),
        (ASK | {"kind": "gratis"}, "kind", "Undantag: är inte ett av de tillåtna värdena"),
        (ASK | {"wanted_from": "i morgon"}, "wanted_from", "Från och med: är inte ett datum"),
    ]
    for body, field, detail in cases:
        response = web.client.post("/api/exceptions/requests", json=body)
        assert response.status_code == 422
        assert response.json()["field"] == field
        assert response.json()["detail"].startswith(detail), response.json()
    assert web.client.post("/api/exceptions/requests", json=ASK).status_code == 201
    twin = web.client.post("/api/exceptions/requests", json=ASK)
    assert twin.json()["detail"] == "En ansökan om samma undantag väntar redan på beslut."


def test_the_pages_show_requests(web: Web) -> None:
    request_id = ask(web)
    web.login("chef")
    overview = web.client.get("/chef").text
    assert "Ansökningar om undantag som väntar på ditt beslut: 1" in overview
    page = web.client.get("/chef/exceptions").text
    assert f'data-api="/api/exceptions/requests/{request_id}/approve"' in page
    assert "Beredskap för bygglovsärenden under påsken" in page
    web.logout()
    web.login("anna")
    page = web.client.get("/me/exceptions").text
    assert "Väntar på beslut" in page and "Ansökan går till Karin Ek" in page


# --- the operator's note on a person ---------------------------------------------------------


def test_a_person_keeps_a_note_the_console_shows_apart_from_the_hanvisning(web: Web) -> None:
    web.login("anna")
    saved = web.client.put("/api/me/note", json={"note": " Arbetar deltid mån–ons "})
    assert saved.status_code == 200 and saved.json() == {"note": "Arbetar deltid mån–ons"}
    assert "Arbetar deltid mån–ons</textarea>" in web.client.get("/me").text
    too_long = web.client.put("/api/me/note", json={"note": "x" * 501})
    assert too_long.status_code == 422 and too_long.json()["field"] == "note"
    web.logout()
    web.login("telefonist")
    (hit,) = web.client.get("/api/directory/search", params={"q": "anna öberg"}).json()["hits"]
    assert hit["person_note"] == "Arbetar deltid mån–ons"
    assert hit["notes"] == hit["absence_note"] == "Platsbesök"  # the hänvisning's own note
    console = web.client.get("/console").text
    assert "data-person-note" in console and "Hänvisningens notering" in console


def test_admin_edits_the_note_and_an_edit_without_it_keeps_it(web: Web) -> None:
    web.login("admin")
    maja = web.ids.people["maja"]
    body = {"name": "Maja Nilsson", "email": "maja@ekby.se", "unit_id": web.ids.units["Miljö"],
            "title": "Miljöinspektör", "keywords": "livsmedel; miljötillsyn"}  # fmt: skip
    noted = web.client.put(f"/api/people/{maja}", json=body | {"note": "Nås bäst via mobil"})
    assert noted.json()["note"] == "Nås bäst via mobil"
    kept = web.client.put(f"/api/people/{maja}", json=body | {"title": "Miljöchef"})
    assert (kept.json()["title"], kept.json()["note"]) == ("Miljöchef", "Nås bäst via mobil")
    assert "Nås bäst via mobil" in web.client.get(f"/admin?edit={maja}").text
    with web.db.session() as s:
        entry = AuditRepository(s).entries(subject=f"person:{maja}")[1]
    assert (entry.action, entry.actor) == ("person.update", "admin") and "note" in entry.detail


# --- the import page ----------------------------------------------------------------------------

SBF = "Ekby kommun / Samhällsbyggnadsnämnden / Samhällsbyggnadsförvaltningen"


def test_import_reports_what_changed_hands_and_removes_old_recordings(web: Web) -> None:
    """Maja's extension goes to someone new: the mailbox moves, her old message's audio goes."""
    recording = web.data_dir / "voicemail" / "maja-1.wav"
    assert recording.is_file()
    csv = (
        "name;email;unit;title;extension\n"
        f"Maja Nilsson;maja@ekby.se;{SBF} / Miljö;Miljöinspektör;4106\n"
        f"Nils Ny;nils@ekby.se;{SBF} / Miljö;Miljöinspektör;4103\n"
    ).encode("cp1252")
    web.login("admin")
    files = {"file": ("people.csv", csv, "text/csv")}
    dry = web.client.post("/api/import/people", files=files, data={"dry_run": "true"}).json()
    assert dry["mailboxes_moved"] == 1 and dry["voicemail_files_removed"] == 0
    assert recording.is_file()
    files = {"file": ("people.csv", csv, "text/csv")}
    result = web.client.post("/api/import/people", files=files)
    assert result.status_code == 200, result.text
    data = result.json()
    assert (data["mailboxes_moved"], data["voicemail_files_removed"]) == (1, 1)
    assert data["encoding"] == "windows-1252" and "accounts_moved" in data
    assert not recording.exists()
    page = web.client.get("/admin/import").text
    assert "Windows-1252" in page and "SIP-konton" in page  # the page's script has the texts


# --- the chef's findings in English ------------------------------------------------------------


def test_chef_findings_read_in_the_pages_language_without_codes(web: Web) -> None:
    web.login("chef")
    swedish = web.client.get("/api/units/overview").json()["findings"]
    web.client.cookies.set("vaxel_lang", "en")
    english = web.client.get("/api/units/overview").json()["findings"]
    assert [f["kind"] for f in swedish] == [f["kind"] for f in english]
    overdue = next(f for f in english if f["kind"] == "overdue_callback")
    assert overdue["detail"].startswith("Call back to Lisa Holm (missed call)")
    assert any(f["detail"].startswith("Mailbox 4102 has no greeting") for f in english)
    for finding in swedish + english:
        assert "missed_call" not in finding["detail"] and "_" not in finding["detail"]
    assert any("Återuppringning till Lisa Holm (missat samtal)" in f["detail"] for f in swedish)
