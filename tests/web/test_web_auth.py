"""Log-in, sessions, CSRF and lock-out."""

from __future__ import annotations

from seeding import NOW, PASSWORDS
from webtest import Web

from vaxel.storage.audit import AuditRepository
from vaxel.web.security import SESSION_COOKIE

PROTECTED_GETS = [
    "/api/directory/search?q=anna",
    "/api/callbacks",
    "/api/me/voicemail",
    "/api/me/greeting",
    "/api/me/devices",
    "/api/me/calls",
    "/api/switchboard/queue",
    "/api/units/overview",
    "/api/exceptions",
    "/api/people",
    "/api/numbers",
    "/api/sip-accounts",
    "/api/users",
    "/api/events",
    "/api/auth/me",
]


def test_anonymous_requests_get_401(web: Web) -> None:
    for path in PROTECTED_GETS:
        response = web.client.get(path)
        assert response.status_code == 401, path
        assert response.json()["detail"] == "Logga in först."
    assert web.client.put("/api/people/1/absence", json={"reason": "lunch"}).status_code == 401
    assert web.client.post("/api/callbacks", json={}).status_code == 401


def test_anonymous_pages_redirect_to_login(web: Web) -> None:
    for path in ("/console", "/me", "/me/voicemail", "/chef", "/admin", "/admin/import"):
        response = web.client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
    assert web.client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_login_and_who_am_i(web: Web) -> None:
    web.login("chef")
    me = web.client.get("/api/auth/me").json()
    assert me["username"] == "chef"
    assert me["role"] == "chef"
    assert me["name"] == "Karin Ek"
    units = set(me["managed_units"])
    assert web.ids.units["Bygglov"] in units and web.ids.units["Miljö"] in units
    assert web.ids.units["Skolskjuts"] not in units


def test_wrong_password_is_401_and_audited(web: Web) -> None:
    csrf = web.client.get("/api/auth/session").json()["csrf_token"]
    response = web.client.post(
        "/api/auth/login",
        json={"username": "anna", "password": "nope"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 401
    assert response.json()["detail"] == "Fel användarnamn eller lösenord."
    with web.db.session() as s:
        actions = [e.action for e in AuditRepository(s).entries(actor="anna")]
    assert "user.login_failed" in actions


def test_lock_out_after_five_failures(web: Web) -> None:
    csrf = web.client.get("/api/auth/session").json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf}
    for _ in range(5):
        response = web.client.post(
            "/api/auth/login", json={"username": "maja", "password": "wrong"}, headers=headers
        )
    assert response.status_code == 423
    assert "låst" in response.json()["detail"]
    # Even the right password is refused while the lock lasts.
    response = web.client.post(
        "/api/auth/login",
        json={"username": "maja", "password": PASSWORDS["maja"]},
        headers=headers,
    )
    assert response.status_code == 423
    # An admin's new password lifts the lock.
    web.login("admin")
    with web.db.session() as s:
        from vaxel.storage.users import UserRepository

        maja = UserRepository(s).user("maja")
    assert maja is not None and maja.locked_until is not None and maja.locked_until > NOW
    assert (
        web.client.post(
            f"/api/users/{maja.id}/password", json={"password": "maja-new-password"}
        ).status_code
        == 204
    )
    web.logout()
    web.login("maja", "maja-new-password")


def test_login_needs_the_csrf_token_of_the_visitor_session(web: Web) -> None:
    response = web.client.post(
        "/api/auth/login", json={"username": "anna", "password": PASSWORDS["anna"]}
    )
    assert response.status_code == 403


def test_changes_without_csrf_token_are_403(web: Web) -> None:
    web.login("anna")
    anna = web.ids.people["anna"]
    del web.client.headers["X-CSRF-Token"]
    response = web.client.delete(f"/api/people/{anna}/absence")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    response = web.client.delete(f"/api/people/{anna}/absence", headers={"X-CSRF-Token": "x"})
    assert response.status_code == 403
    # Reading needs no token.
    assert web.client.get(f"/api/people/{anna}/absence").status_code == 200


def test_form_posts_carry_the_token_in_a_field(web: Web) -> None:
    web.login("anna")
    token = web.client.headers.pop("X-CSRF-Token")
    response = web.client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert web.client.get("/api/auth/me").status_code == 401


def test_logout_revokes_the_session_cookie(web: Web) -> None:
    web.login("anna")
    cookie = web.client.cookies.get(SESSION_COOKIE)
    assert web.client.post("/api/auth/logout").status_code == 204
    web.client.cookies.set(SESSION_COOKIE, cookie)
    assert web.client.get("/api/auth/me").status_code == 401


def test_a_forged_cookie_is_not_a_session(web: Web) -> None:
    web.login("anna")
    cookie = web.client.cookies.get(SESSION_COOKIE)
    assert cookie is not None
    payload, _, signature = cookie.partition(".")
    web.client.cookies.set(SESSION_COOKIE, payload[:-2] + "xx." + signature)
    assert web.client.get("/api/auth/me").status_code == 401


def test_login_page_logs_in_and_goes_to_the_role_home(web: Web) -> None:
    page = web.client.get("/login")
    assert page.status_code == 200
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = web.client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "telefonist",
            "password": PASSWORDS["telefonist"],
            "next": "",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    assert "Växelkonsol" in web.client.get("/console").text


def test_login_page_refuses_foreign_next(web: Web) -> None:
    page = web.client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = web.client.post(
        "/login",
        data={
            "csrf_token": token,
            "username": "anna",
            "password": PASSWORDS["anna"],
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/me"


def test_login_page_shows_the_error(web: Web) -> None:
    page = web.client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = web.client.post(
        "/login", data={"csrf_token": token, "username": "anna", "password": "fel"}
    )
    assert response.status_code == 401
    assert "Fel användarnamn eller lösenord." in response.text
    assert 'aria-invalid="true"' in response.text
