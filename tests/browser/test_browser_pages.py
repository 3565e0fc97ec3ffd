"""Every page in Chromium: it renders, passes the accessibility checks, and is photographed
for docs/screenshots/. Self-service, chef and admin tasks are done as a person would."""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import Any

import pytest
from harness import SWEDISH_PACK, Server, accessibility_problems, date_fields, log_in, screenshot
from playwright.sync_api import expect

from vaxel.media.wav import encode_wav

pytestmark = pytest.mark.browser

PAGES = {
    "anna": [
        ("/me", "me-presence"),
        ("/me/voicemail", "me-voicemail"),
        ("/me/greeting", "me-greeting"),
        ("/me/devices", "me-devices"),
        ("/me/calls", "me-calls"),
        ("/me/exceptions", "me-exceptions"),
    ],
    "chef": [
        ("/chef", "chef-overview"),
        ("/chef/exceptions", "chef-exceptions"),
        ("/chef/hours", "chef-hours"),
    ],
    "admin": [
        ("/admin", "admin-people"),
        ("/admin/units", "admin-units"),
        ("/admin/numbers", "admin-numbers"),
        ("/admin/sip", "admin-sip"),
        ("/admin/hours", "admin-hours"),
        ("/admin/closures", "admin-closures"),
        ("/admin/import", "admin-import"),
        ("/admin/users", "admin-users"),
    ],
}


def test_login_page(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/login")
    assert accessibility_problems(page) == []
    screenshot(page, "login")
    page.get_by_label("Användarnamn").fill("anna")
    page.get_by_label("Lösenord").fill("fel-lösenord")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("alert")).to_have_text("Fel användarnamn eller lösenord.")
    screenshot(page, "login-error")


@pytest.mark.parametrize("user", PAGES)
def test_every_page_renders_accessibly(page: Any, server: Server, user: str) -> None:
    log_in(page, server, user)
    for path, name in PAGES[user]:
        page.goto(f"{server.url}{path}")
        page.wait_for_load_state("networkidle")
        expect(page.locator("h1")).to_be_visible()
        assert accessibility_problems(page) == [], path
        screenshot(page, name)


def test_english_pages(page: Any, server: Server) -> None:
    log_in(page, server, "telefonist")
    page.get_by_role("link", name="In English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("#search").type("anna")
    expect(page.locator(".hit")).to_contain_text("In a meeting")
    expect(page.locator(".hit")).to_contain_text("Back today 13:00")
    assert accessibility_problems(page) == []
    screenshot(page, "console-english")


def test_forbidden_page(page: Any, server: Server) -> None:
    log_in(page, server, "anna")
    page.goto(f"{server.url}/admin")
    expect(page.get_by_role("alert")).to_contain_text("administratörsbehörighet")
    screenshot(page, "error-forbidden")


def test_an_employee_sets_hanvisning_in_two_clicks(page: Any, server: Server) -> None:
    log_in(page, server, "maja")
    expect(page).to_have_url(f"{server.url}/me")
    expect(page.locator("#my-presence")).to_contain_text("Tillgänglig")
    page.locator("label", has_text="På lunch").click()  # click 1
    page.get_by_role("button", name="I dag 13.00").click()  # click 2
    expect(page.locator(".flash")).to_contain_text("Din telefon är hänvisad")
    presence = page.locator("#my-presence")
    expect(presence).to_contain_text("På lunch")
    expect(presence).to_contain_text("Åter i dag 13.00")
    expect(presence).to_contain_text("Maja Nilsson är på lunch, åter i dag klockan tretton.")
    # The keyboard carries on in the page, not at its top; a reload does not confirm again.
    expect(page).to_have_url(f"{server.url}/me")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Jag är tillbaka")).to_be_focused()
    screenshot(page, "me-presence-diverted")
    page.get_by_role("button", name="Jag är tillbaka").click()
    expect(page.locator(".flash")).to_contain_text("Välkommen tillbaka")
    expect(page.locator("#my-presence")).to_contain_text("Tillgänglig")


def test_a_missing_reason_is_said_next_to_the_form(page: Any, server: Server) -> None:
    log_in(page, server, "maja")
    page.get_by_role("button", name="I morgon 08.00").click()
    expect(page.locator("#absence-error")).to_have_text("Orsak: måste fyllas i")


def test_voicemail_play_and_mark_heard(page: Any, server: Server) -> None:
    log_in(page, server, "anna")
    page.get_by_role("link", name="Röstbrevlåda").click()
    audio = page.locator("audio")
    expect(audio).to_have_attribute("src", f"/api/voicemail/{server.ids.voicemails['anna']}/audio")
    duration = audio.evaluate(
        "a => new Promise(ok => { a.preload = 'metadata';"
        " a.onloadedmetadata = () => ok(a.duration); a.onerror = () => ok(-1); a.load(); })"
    )
    assert math.isclose(duration, 2.0, abs_tol=0.1)
    page.get_by_role("button", name="Markera som avlyssnat").click()
    expect(page.locator(".flash")).to_have_text("Markerat som avlyssnat.")
    expect(page.locator(".badge", has_text="Avlyssnat")).to_be_visible()


def test_greeting_upload(page: Any, server: Server, tmp_path: Path) -> None:
    rate = 22050
    pcm = b"".join(
        struct.pack("<h", int(6000 * math.sin(2 * math.pi * 330 * i / rate)))
        for i in range(rate * 2)
    )
    wav = tmp_path / "halsning.wav"
    wav.write_bytes(encode_wav(pcm, sample_rate=rate))
    log_in(page, server, "anna")
    page.get_by_role("link", name="Hälsningsfras").click()
    expect(page.locator(".badge")).to_have_text("Standardhälsning (namn och enhet läses upp)")
    page.get_by_label("Ljudfil").set_input_files(str(wav))
    page.get_by_role("button", name="Ladda upp").click()
    expect(page.locator(".flash")).to_have_text("Din hälsning är sparad.")
    expect(page.locator(".badge")).to_have_text("Egen inspelad hälsning")
    screenshot(page, "me-greeting-recorded")


def test_chef_grants_an_exception(page: Any, server: Server) -> None:
    log_in(page, server, "chef")
    expect(page.locator("#chef-counts")).to_contain_text("Försenade återuppringningar")
    page.get_by_role("link", name="Undantag", exact=True).click()
    page.get_by_label("Person").select_option(
        label="Björn Ängström – Samhällsbyggnadsnämnden / Samhällsbyggnadsförvaltningen / Bygglov"
    )
    page.get_by_label("Undantag", exact=True).select_option("after_hours")
    page.get_by_label("Skäl").fill("Beredskap vid stormar")
    page.get_by_role("button", name="Bevilja").click()
    expect(page.locator(".flash")).to_have_text("Undantaget är beslutat.")
    row = page.locator("tr", has_text="Beredskap vid stormar")
    expect(row).to_contain_text("Nåbar efter arbetstid")
    expect(row).to_contain_text("Gäller")
    screenshot(page, "chef-exceptions-decided")


@pytest.mark.skipif(not SWEDISH_PACK.exists(), reason="Chromium has no Swedish (chromium-l10n)")
def test_dates_read_the_swedish_way(page: Any, server: Server) -> None:
    """Year, month, day: 2026-04-30, not 04/30/2026 (the screenshots show the same)."""
    log_in(page, server, "anna")
    page.goto(f"{server.url}/me/exceptions")
    assert date_fields(page, "#rq-from") == ["År", "Månad", "Dag"]


def test_an_admin_links_a_log_in_to_a_person(page: Any, server: Server) -> None:
    """The admin log-in belongs to nobody; linking it names the field when the person is not
    found, and the table then shows the person."""
    log_in(page, server, "admin")
    page.goto(f"{server.url}/admin/users")
    form = page.locator("form", has=page.locator("#lu-person"))
    form.get_by_label("Användarnamn").select_option(label="admin – ingen person")
    form.get_by_label("Person").fill("ingen alls")
    form.get_by_role("button", name="Spara kopplingen").click()
    expect(page.locator("#link-user-error")).to_contain_text("Person: ingen i katalogen matchar")
    expect(page.locator("#lu-person")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Person").fill("bjorn@ekby.se")
    form.get_by_role("button", name="Spara kopplingen").click()
    expect(page.locator(".flash")).to_have_text("Inloggningen är kopplad.")
    row = page.locator("tr", has_text="admin")
    expect(row.first).to_contain_text("Björn Ängström")
    assert accessibility_problems(page) == []
    screenshot(page, "admin-users-linked")


def test_admin_import_shows_errors_line_by_line(page: Any, server: Server, tmp_path: Path) -> None:
    bad = tmp_path / "personer.csv"
    bad.write_text(
        "name,email,unit\n"
        "Ada Ok,ada@ekby.se,Ekby kommun / Kommunstyrelsen\n"
        ",tom@ekby.se,Ekby kommun / Kommunstyrelsen\n"
        "Bo Fel,bo-at-ekby,Ekby kommun / Finns inte\n",
        encoding="utf-8",
    )
    log_in(page, server, "admin")
    page.get_by_role("link", name="Import").click()
    page.get_by_label("CSV-fil").set_input_files(str(bad))
    page.get_by_label("Provkör bara (spara inget)").uncheck()
    page.get_by_role("button", name="Importera").click()
    table = page.locator("#import-errors")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text("3")
    lines = table.locator("tbody tr td:first-child").all_text_contents()
    assert sorted(set(lines)) == ["3", "4"]
    expect(page.locator("#import-summary")).to_contain_text("Ingenting importerades.")
    screenshot(page, "admin-import-errors")
