"""Hänvisning over the API: reasons and return times as people type them."""

from __future__ import annotations

from seeding import NOW
from webtest import Web

from vaxel.storage.presence import PresenceRepository


def test_set_with_a_typed_return_time(web: Web) -> None:
    web.login("maja")
    maja = web.ids.people["maja"]
    response = web.client.put(
        f"/api/people/{maja}/absence", json={"reason": "Lunch", "until": "12:30", "note": "Ute"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] == "På lunch"
    assert body["until_text"] == "i dag 12.30"
    assert body["sentence"] == "Maja Nilsson är på lunch, åter i dag klockan tolv och trettio."
    with web.db.session() as s:
        absence = PresenceRepository(s).current(maja, NOW)
    assert absence is not None and absence.set_by == "maja" and absence.channel.value == "web"


def test_reasons_in_english_and_relative_times(web: Web) -> None:
    web.login("maja")
    maja = web.ids.people["maja"]
    body = web.client.put(
        f"/api/people/{maja}/absence", json={"reason": "meeting", "until": "om 2 timmar"}
    ).json()
    assert body["reason"] == "möte" and body["until_text"] == "i dag 12.00"
    body = web.client.put(
        f"/api/people/{maja}/absence", json={"reason": "gått för dagen", "until": "i morgon 08:00"}
    ).json()
    assert body["until_text"] == "i morgon 08.00"


def test_a_return_time_is_required_unless_unknown_is_allowed(web: Web) -> None:
    web.login("maja")
    maja = web.ids.people["maja"]
    response = web.client.put(f"/api/people/{maja}/absence", json={"reason": "lunch"})
    assert response.status_code == 422
    assert response.json()["field"] == "until"
    response = web.client.put(f"/api/people/{maja}/absence", json={"reason": "sjuk"})
    assert response.status_code == 200
    assert response.json()["return_unknown"] is True


def test_bad_input_names_the_field(web: Web) -> None:
    web.login("maja")
    maja = web.ids.people["maja"]
    response = web.client.put(
        f"/api/people/{maja}/absence", json={"reason": "fika", "until": "14:00"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "reason"
    response = web.client.put(
        f"/api/people/{maja}/absence", json={"reason": "lunch", "until": "snart"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "until"  # the form's field, so the page points at it
    assert response.json()["detail"].startswith("Kan inte läsa 'snart' som en tid")
    response = web.client.put(
        f"/api/people/{maja}/absence", json={"reason": "lunch", "until": "2026-03-09 08:00"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Återkomsttiden 2026-03-09 08:00 har redan passerat."


def test_absence_errors_speak_the_pages_language(web: Web) -> None:
    web.login("maja")
    maja = web.ids.people["maja"]
    url = f"/api/people/{maja}/absence"
    cases = [
        ({"reason": "kurs", "until": ""}, "until",
         "Ange en återkomsttid för kurs – bara sjuk och föräldraledig får lämna den tom",
         "until: a return time is required for kurs"),
        ({"reason": "fika", "until": "14:00"}, "reason", "Okänd orsak 'fika'; välj en av: lunch",
         "reason: unknown reason 'fika'"),
        ({"reason": "lunch", "until": "13:00", "note": "x" * 501}, "note",
         "Notering: är för lång (högst 500 tecken)", "note: String should have at most 500"),
    ]  # fmt: skip
    for body, field, swedish, english in cases:
        web.client.cookies.set("vaxel_lang", "sv")
        answer = web.client.put(url, json=body).json()
        assert answer["field"] == field and answer["detail"].startswith(swedish), answer
        web.client.cookies.set("vaxel_lang", "en")
        answer = web.client.put(url, json=body).json()
        assert answer["detail"].startswith(english), answer


def test_clear_and_read(web: Web) -> None:
    web.login("anna")
    anna = web.ids.people["anna"]
    assert web.client.get(f"/api/people/{anna}/absence").json()["label"] == "På möte"
    assert web.client.delete(f"/api/people/{anna}/absence").json()["available"] is True
    assert web.client.get(f"/api/people/{anna}/absence").json()["available"] is True


def test_reason_list(web: Web) -> None:
    web.login("maja")
    reasons = web.client.get("/api/absence-reasons").json()
    assert reasons[0] == {"value": "lunch", "label": "På lunch", "return_optional": False}
    assert {r["value"] for r in reasons if r["return_optional"]} == {"sjuk", "föräldraledig"}


def test_self_service_page_offers_two_click_choices(web: Web) -> None:
    web.login("maja")
    page = web.client.get("/me")
    assert page.status_code == 200
    text = page.text
    assert 'name="reason" value="lunch"' in text
    assert 'name="until" value="om 1 timme"' in text
    assert 'name="until" value="13:00"' in text  # 10.00 now: "I dag 13.00" is offered
    assert 'name="until" value="i morgon 08:00"' in text
