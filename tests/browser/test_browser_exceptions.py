"""An employee asks for an exception, the chef approves it, the employee sees it approved; a
chef with nobody above asks, and an administrator decides; a note on a person reaches the
operator's screen; the import page says what changed hands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import Server, accessibility_problems, log_in, new_page, screenshot
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SBF = "Ekby kommun / Samhällsbyggnadsnämnden / Samhällsbyggnadsförvaltningen"


def test_employee_asks_chef_approves_employee_sees_it(
    chromium: Any, page: Any, server: Server
) -> None:
    log_in(page, server, "anna")
    page.get_by_role("link", name="Undantag", exact=True).click()
    expect(page.locator("h1")).to_have_text("Undantag från spärrarna")
    expect(page.get_by_text("Ansökan går till Karin Ek, som beslutar.")).to_be_visible()
    page.get_by_label("Undantag", exact=True).select_option(label="Nåbar efter arbetstid")
    page.get_by_label("Skäl").fill("Beredskap för bygglovsärenden under påsken")
    page.get_by_label("Från och med").fill("2026-04-01")
    page.get_by_label("Till och med").fill("2026-04-30")
    page.get_by_role("button", name="Skicka ansökan").click()
    expect(page.locator(".flash")).to_have_text("Ansökan är skickad till din verksamhetschef.")
    mine = page.locator("#my-requests tbody tr")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Väntar på beslut")
    expect(mine).to_contain_text("2026-04-01 – 2026-04-30")
    assert accessibility_problems(page) == []
    screenshot(page, "me-exceptions-requested")

    chef = new_page(chromium)
    try:
        log_in(chef, server, "chef")
        notice = chef.locator("#requests-waiting")
        expect(notice).to_have_text("Ansökningar om undantag som väntar på ditt beslut: 1")
        notice.get_by_role("link").click()
        request = chef.locator("article.request")
        expect(request).to_contain_text("Anna Öberg – Nåbar efter arbetstid")
        expect(request).to_contain_text("Beredskap för bygglovsärenden under påsken")
        expect(request.get_by_label("Gäller till och med")).to_have_value("2026-04-30")
        assert accessibility_problems(chef) == []
        screenshot(chef, "chef-exception-request")
        request.get_by_label("Gäller till och med").fill("2026-04-14")
        request.get_by_label("Kommentar till beslutet").fill("Två veckor räcker över påsken")
        request.get_by_role("button", name="Bevilja").click()
        expect(chef.locator(".flash")).to_have_text(
            "Ansökan är beviljad; undantaget gäller under perioden."
        )
        expect(chef.locator("#requests")).to_contain_text("Inga ansökningar väntar på beslut.")
        row = chef.locator("tr", has_text="Beredskap för bygglovsärenden")
        expect(row).to_contain_text("Anna Öberg")
        expect(row).to_contain_text("2026-04-01 – 2026-04-14")
        expect(row).to_contain_text("Börjar senare")
        screenshot(chef, "chef-exception-approved")
    finally:
        chef.context.close()

    page.reload()
    expect(mine).to_contain_text("Beviljad")
    expect(mine).to_contain_text("Beviljat: 2026-04-01 – 2026-04-14")
    expect(mine).to_contain_text("Karin Ek")
    expect(mine).to_contain_text("Två veckor räcker över påsken")
    screenshot(page, "me-exceptions-approved")


def test_a_chef_denies_and_the_employee_reads_why(chromium: Any, page: Any, server: Server) -> None:
    log_in(page, server, "maja")
    page.goto(f"{server.url}/me/exceptions")
    page.get_by_label("Undantag", exact=True).select_option(label="Privat användning")
    page.get_by_label("Skäl").fill("Ringa hem under arbetsdagen")
    page.get_by_role("button", name="Skicka ansökan").click()
    expect(page.locator(".flash")).to_be_visible()
    chef = new_page(chromium)
    try:
        log_in(chef, server, "chef")
        chef.goto(f"{server.url}/chef/exceptions")
        request = chef.locator("article.request", has_text="Maja Nilsson")
        request.get_by_role("button", name="Avslå").click()
        expect(request.locator(".form-error").last).to_have_text("Skäl: måste fyllas i")
        request.get_by_label("Skäl för avslag").fill("Privata samtal rings från egen telefon.")
        request.get_by_role("button", name="Avslå").click()
        expect(chef.locator(".flash")).to_have_text("Ansökan är avslagen.")
    finally:
        chef.context.close()
    page.reload()
    row = page.locator("#my-requests tbody tr")
    expect(row).to_contain_text("Avslagen")
    expect(row).to_contain_text("Privata samtal rings från egen telefon.")
    screenshot(page, "me-exceptions-denied")


def test_a_chef_with_nobody_above_asks_and_an_administrator_decides(
    chromium: Any, page: Any, server: Server
) -> None:
    """Karin Ek is verksamhetschef of Samhällsbyggnadsförvaltningen; no chef is above her. The
    admin log-in, which belongs to no person, decides in the log-in's name."""
    log_in(page, server, "chef")
    page.goto(f"{server.url}/me/exceptions")
    expect(page.locator("#request-goes-to-admin")).to_have_text(
        "Ingen verksamhetschef står över dig, så ansökan går till en administratör, som beslutar."
    )
    page.get_by_label("Undantag", exact=True).select_option(label="Nåbar efter arbetstid")
    page.get_by_label("Skäl").fill("Krisledningen ska nå mig under stormen")
    page.get_by_role("button", name="Skicka ansökan").click()
    expect(page.locator(".flash")).to_have_text("Ansökan är skickad till administratörerna.")
    page.goto(f"{server.url}/chef/exceptions")
    expect(page.locator("#requests")).to_contain_text("Inga ansökningar väntar på beslut.")

    admin = new_page(chromium)
    try:
        log_in(admin, server, "admin")
        notice = admin.locator("#requests-waiting")
        expect(notice).to_have_text(
            "Ansökningar om undantag som väntar på en administratörs beslut: 1"
        )
        notice.get_by_role("link").click()
        expect(admin.locator("h1")).to_have_text("Undantag att besluta")
        request = admin.locator("article.request")
        expect(request).to_contain_text("Karin Ek – Nåbar efter arbetstid")
        expect(request).to_contain_text("Krisledningen ska nå mig under stormen")
        expect(admin.locator("#admin-no-person")).to_contain_text("Din inloggning (admin)")
        assert accessibility_problems(admin) == []
        screenshot(admin, "admin-exceptions")
        request.get_by_label("Gäller till och med").fill("2026-04-14")
        request.get_by_role("button", name="Bevilja").click()
        expect(admin.locator(".flash")).to_have_text(
            "Ansökan är beviljad; undantaget gäller under perioden."
        )
        expect(admin.locator("#requests")).to_contain_text("Inga ansökningar väntar på beslut.")
    finally:
        admin.context.close()
    page.goto(f"{server.url}/me/exceptions")
    mine = page.locator("#my-requests tbody tr")
    expect(mine).to_contain_text("Beviljad")
    expect(mine).to_contain_text("Administratören admin")
    expect(mine).to_contain_text("– 2026-04-14")
    screenshot(page, "me-exceptions-admin-approved")


def test_a_persons_note_reaches_the_console(chromium: Any, page: Any, server: Server) -> None:
    log_in(page, server, "anna")
    page.locator("#my-note").fill("Arbetar deltid mån–ons")
    page.get_by_role("button", name="Spara noteringen").click()
    expect(page.locator(".flash")).to_have_text("Noteringen är sparad.")
    expect(page.locator("#my-note")).to_have_value("Arbetar deltid mån–ons")
    screenshot(page, "me-note")
    operator = new_page(chromium)
    try:
        log_in(operator, server, "telefonist")
        operator.locator("#search").type("anna öberg")
        hit = operator.locator(".hit").first
        expect(hit.locator("[data-person-note]")).to_have_text("Arbetar deltid mån–ons")
        expect(hit.locator("[data-notes]")).to_have_text("Platsbesök")  # the hänvisning's
        expect(hit).to_contain_text("Hänvisningens notering")
        assert accessibility_problems(operator) == []
        screenshot(operator, "console-note")
    finally:
        operator.context.close()


def test_import_says_what_changed_hands(page: Any, server: Server, tmp_path: Path) -> None:
    recording = server.data_dir / "voicemail" / "maja-1.wav"
    assert recording.is_file()
    csv = tmp_path / "personer.csv"
    csv.write_bytes(
        (
            "name;email;unit;title;extension\n"
            f"Maja Nilsson;maja@ekby.se;{SBF} / Miljö;Miljöinspektör;4106\n"
            f"Nils Ny;nils@ekby.se;{SBF} / Miljö;Miljöinspektör;4103\n"
        ).encode("cp1252")
    )
    log_in(page, server, "admin")
    page.goto(f"{server.url}/admin/import")
    page.get_by_label("CSV-fil").set_input_files(str(csv))
    page.get_by_label("Provkör bara (spara inget)").uncheck()
    page.get_by_role("button", name="Importera").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("Klart: 2 rader. 1 nya")
    expect(result).to_contain_text("tog med sig 1 röstbrevlådor")
    expect(result).to_contain_text("lästes som Windows-1252")
    assert not recording.exists()
    screenshot(page, "admin-import-moved")
