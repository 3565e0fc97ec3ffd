"""Directory search over the API: what an operator types and what a hit shows."""

from __future__ import annotations

from webtest import Web


def names(web: Web, query: str) -> list[str]:
    response = web.client.get("/api/directory/search", params={"q": query})
    assert response.status_code == 200, response.text
    return [h["name"] for h in response.json()["hits"]]


def test_search_by_keyword_name_title_unit_and_number(web: Web) -> None:
    web.login("telefonist")
    assert names(web, "bygglov") == ["Bygglov", "Anna Öberg", "Björn Ängström"]
    assert names(web, "skolskjuts") == ["David Zetterberg"]
    assert names(web, "miljöinsp") == ["Maja Nilsson"]
    assert names(web, "anna") == ["Anna Öberg"]
    assert names(web, "4102") == ["Björn Ängström"]
    assert names(web, "010-130 41 03")[:1] == ["Maja Nilsson"]
    assert names(web, "förvaltningschef") == ["Karin Ek", "Per Åberg"]
    assert names(web, "") == []
    assert names(web, "finnsinte") == []


def test_every_word_must_match(web: Web) -> None:
    web.login("telefonist")
    assert names(web, "bygglov björn") == ["Björn Ängström"]
    assert names(web, "anna bygglov") == ["Anna Öberg"]


def test_swedish_letters_with_and_without_dots(web: Web) -> None:
    web.login("telefonist")
    assert names(web, "öberg") == ["Anna Öberg"]
    assert names(web, "oberg") == ["Anna Öberg"]  # a keyboard without ö
    assert names(web, "ÄNGSTRÖM") == ["Björn Ängström"]
    assert names(web, "miljo") == ["Maja Nilsson"]


def test_hits_are_in_swedish_order(web: Web) -> None:
    web.login("admin")
    for name in ("Östen Zorn", "Åsa Zorn", "Zeke Zorn", "Ärla Zorn", "Adam Zorn", "Émile Zorn"):
        response = web.client.post("/api/people", json={
            "name": name, "email": f"{name.split()[0].lower()}@ekby.se",
            "unit_id": web.ids.units["Miljö"], "keywords": "zornfrågor",
        })  # fmt: skip
        assert response.status_code == 201, response.text
    # Equal scores: a … z, then å, ä, ö (not among the a's and o's); é is an e.
    assert names(web, "zornfrågor") == [
        "Adam Zorn",
        "Émile Zorn",
        "Zeke Zorn",
        "Åsa Zorn",
        "Ärla Zorn",
        "Östen Zorn",
    ]


def test_a_hit_has_what_the_operator_needs(web: Web) -> None:
    web.login("telefonist")
    hit = web.client.get("/api/directory/search", params={"q": "anna"}).json()["hits"][0]
    assert hit["presence"]["available"] is False
    assert hit["presence"]["label"] == "På möte"
    assert hit["presence"]["until_text"] == "i dag 13.00"
    assert hit["presence"]["sentence"] == "Anna Öberg är på möte, åter i dag klockan tretton."
    assert hit["notes"] == "Platsbesök"
    assert hit["hours"]["status"] == "Öppet nu, till 12.00"
    assert hit["hours"]["schedule"] == "måndag–fredag 09.00–12.00"
    assert hit["numbers"][0]["display"] == "010-130 41 01"
    assert hit["devices"] == [
        {"id": hit["devices"][0]["id"], "username": "4101", "device": "desk",
         "label": "bordstelefon", "registered": False}
    ]  # fmt: skip
    bjorn = web.client.get("/api/directory/search", params={"q": "björn"}).json()["hits"][0]
    assert [d["registered"] for d in bjorn["devices"]] == [True, False]


def test_unit_hours_are_inherited_from_above(web: Web) -> None:
    web.login("telefonist")
    maja = web.client.get("/api/directory/search", params={"q": "maja"}).json()["hits"][0]
    assert maja["hours"]["schedule"] == "måndag–fredag 08.00–16.30; aftnar till 12.00"


def test_sick_leave_is_discreet_except_for_operators(web: Web) -> None:
    web.login("telefonist")
    david = web.client.get("/api/directory/search", params={"q": "david"}).json()["hits"][0]
    assert david["presence"]["label"] == "Sjuk"
    web.logout()
    web.login("maja")
    david = web.client.get("/api/directory/search", params={"q": "david"}).json()["hits"][0]
    assert david["presence"]["label"] == "Frånvarande"
    assert "sjuk" not in david["presence"]["sentence"]


def test_the_index_follows_changes_at_once(web: Web) -> None:
    web.login("telefonist")
    maja = web.ids.people["maja"]
    web.client.put(f"/api/people/{maja}/absence", json={"reason": "lunch", "until": "11:00"})
    hit = web.client.get("/api/directory/search", params={"q": "maja"}).json()["hits"][0]
    assert hit["presence"]["label"] == "På lunch"
    web.client.delete(f"/api/people/{maja}/absence")
    hit = web.client.get("/api/directory/search", params={"q": "maja"}).json()["hits"][0]
    assert hit["presence"]["available"] is True
    web.logout()
    web.login("admin")
    response = web.client.post("/api/people", json={
        "name": "Örjan Lind", "email": "orjan@ekby.se", "unit_id": web.ids.units["Bygglov"],
        "title": "Byggnadsinspektör", "keywords": "bygglov; tillsyn",
    })  # fmt: skip
    assert response.status_code == 201, response.text
    assert names(web, "tillsyn") == ["Örjan Lind"]
    assert names(web, "bygglov")[-1] == "Örjan Lind"  # Ö sorts last


def test_english_labels(web: Web) -> None:
    web.login("telefonist")
    web.client.cookies.set("vaxel_lang", "en")
    hit = web.client.get("/api/directory/search", params={"q": "anna"}).json()["hits"][0]
    assert hit["presence"]["label"] == "In a meeting"
    assert hit["presence"]["until_text"] == "today 13:00"
    assert hit["presence"]["sentence"].startswith("Anna Öberg is in a meeting")
