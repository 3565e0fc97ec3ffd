"""Every page renders for its role, in Swedish and in English, from a complete catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from webtest import Web

from vaxel.web.messages import MESSAGES

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "vaxel" / "web" / "templates"
WEB = TEMPLATES.parent

PAGES = {
    "telefonist": {"/console": "Sök person, enhet, titel eller nyckelord"},
    "anna": {
        "/me": "Min hänvisning",
        "/me/callbacks": "Mina återuppringningar",
        "/me/voicemail": "070-888 99 00",
        "/me/greeting": "Du har kommit till Anna Öbergs röstbrevlåda, Bygglov.",
        "/me/devices": "bordstelefon",
        "/me/calls": "08-555 123 45",
    },
    "chef": {
        "/chef": "Björn Ängström",
        "/chef/exceptions": "Bevilja undantag",
        "/chef/hours": "måndag–fredag 09.00–12.00",
    },
    "admin": {
        "/admin": "Anna Öberg",
        "/admin?q=bygglov": "Björn Ängström",
        "/admin?edit=1": "Ändra",
        "/admin/units": "Samhällsbyggnadsförvaltningen",
        "/admin/numbers": "010-130 41 01",
        "/admin/sip": "4102-soft",
        "/admin/hours": "Telefontider",
        "/admin/closures": "Midsommarafton",
        "/admin/import": "CSV-fil",
        "/admin/users": "telefonist",
        "/admin/exceptions": "Ansökningar utan verksamhetschef över sig",
        "/chef": "Som administratör ser du alla enheter i",
    },
}


@pytest.mark.parametrize("user", PAGES)
def test_pages_render_for_their_role(web: Web, user: str) -> None:
    web.login(user)
    for path, text in PAGES[user].items():
        response = web.client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        assert text in response.text, path
        assert '<html lang="sv">' in response.text
        assert 'href="#main"' in response.text


def test_pages_in_english(web: Web) -> None:
    web.login("anna")
    response = web.client.get("/lang/en?next=/me", follow_redirects=True)
    assert '<html lang="en">' in response.text
    assert "My diversion" in response.text and "Min hänvisning" not in response.text


def test_role_start_pages(web: Web) -> None:
    for user, home in (("telefonist", "/console"), ("chef", "/chef"), ("admin", "/admin"),
                       ("anna", "/me")):  # fmt: skip
        web.login(user)
        assert web.client.get("/", follow_redirects=False).headers["location"] == home
        web.logout()


def test_wrong_role_gets_a_readable_403_page(web: Web) -> None:
    web.login("anna")
    response = web.client.get("/admin/users")
    assert response.status_code == 403
    assert "administratörsbehörighet" in response.text


def test_flash_messages_come_only_from_the_catalogue(web: Web) -> None:
    web.login("anna")
    assert "Din telefon är hänvisad." in web.client.get("/me?done=absence_saved_self").text
    assert "<script>" not in web.client.get("/me?done=<script>alert(1)</script>").text


def test_security_headers(web: Web) -> None:
    response = web.client.get("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_openapi_documents_the_api(web: Web) -> None:
    spec = web.client.get("/api/openapi.json").json()
    assert "/api/directory/search" in spec["paths"]
    assert "/api/people/{person_id}/absence" in spec["paths"]
    assert not any(path.startswith("/me") for path in spec["paths"])  # pages are not API


def test_every_message_key_in_templates_and_code_exists() -> None:
    used: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"""_\(\s*["']([a-z_0-9]+)["']""", template.read_text()))
        used |= set(re.findall(r'data-done="([a-z_]+)"', template.read_text()))
    for module in WEB.rglob("*.py"):
        text = module.read_text()
        used |= set(re.findall(r"""AuthError\(\d+, "([a-z_]+)"\)""", text))
        used |= set(re.findall(r"""message\(\s*"([a-z_]+)\"""", text))
        used |= set(re.findall(r'"((?:nav|finding|state|error)_[a-z_]+)"', text))
    used |= {f"role_{r}" for r in ("medarbetare", "telefonist", "chef", "admin")}
    used -= {"role_", "state_label"}  # a prefix joined in the template; a dict key
    missing = sorted(k for k in used if k not in MESSAGES)
    assert missing == []


def test_catalogue_has_both_languages() -> None:
    for key, (sv, en) in MESSAGES.items():
        assert sv.strip() and en.strip(), key
        assert set(re.findall(r"\{(\w+)\}", sv)) == set(re.findall(r"\{(\w+)\}", en)), key


def test_static_assets_are_ours(web: Web) -> None:
    for name in ("vaxel.css", "vaxel.js", "console.js", "admin.js"):
        response = web.client.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert "http://" not in response.text and "https://" not in response.text


def test_an_admin_sees_all_units_not_my_units(web: Web) -> None:
    web.login("admin")
    page = web.client.get("/chef").text
    assert '<a href="/chef" aria-current="page">Alla enheter</a>' in page
    assert "<h1>Alla enheter</h1>" in page and "Du är verksamhetschef" not in page
    web.logout()
    web.login("chef")
    page = web.client.get("/chef").text
    assert "<h1>Mina enheter</h1>" in page and "Du är verksamhetschef för" in page


def test_my_devices_say_where_a_phone_registers(web: Web) -> None:
    """SIP listens on every address (0.0.0.0:5060): the phone registers where the browser went."""
    web.login("anna")
    page = web.client.get("/me/devices").text
    assert "registrera den mot testserver:5060 (UDP eller TCP)" in page
    assert "domänen (realm) vaxel" in page


def test_pages_have_our_icon(web: Web) -> None:
    page = web.client.get("/login").text
    assert '<link rel="icon" href="http://testserver/static/favicon.svg"' in page
    icon = web.client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")
