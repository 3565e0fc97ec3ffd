"""The operator's day in Chromium: search, see who is away and until when, take a message;
the person logs in and finds it. All from the keyboard where an operator would."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeSwitch
from harness import Server, accessibility_problems, log_in, new_page, screenshot, serve
from playwright.sync_api import expect
from seeding import NOW, Seeded

from vaxel.storage.queue_sign_ins import QueueSignInRepository

pytestmark = pytest.mark.browser


def test_operator_searches_sees_return_time_and_takes_a_message(
    chromium: Any, page: Any, server: Server
) -> None:
    log_in(page, server, "telefonist")
    expect(page).to_have_url(f"{server.url}/console")
    search = page.get_by_label("Sök person, enhet, titel eller nyckelord")
    expect(search).to_be_focused()
    search.type("bygglov")
    anna = page.locator(".hit", has_text="Anna Öberg")
    expect(anna).to_contain_text("På möte")
    expect(anna).to_contain_text("Åter i dag 13.00")
    expect(anna).to_contain_text("Anna Öberg är på möte, åter i dag klockan tretton.")
    expect(anna).to_contain_text("Öppet nu, till 12.00")
    expect(page.locator("#search-status")).to_have_text("3 träffar.")
    names = page.locator(".hit h3").all_text_contents()
    assert names == ["Bygglov", "Anna Öberg", "Björn Ängström"]
    assert accessibility_problems(page) == []
    screenshot(page, "console-search")

    anna.get_by_role("button", name="Ta meddelande").click()
    dialog = page.locator("#message-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Anna Öberg är på möte, åter i dag klockan tretton.")
    expect(page.get_by_label("Uppringarens nummer")).to_be_focused()
    page.get_by_label("Uppringarens nummer").fill("070-123 45 67")
    page.get_by_label("Uppringarens namn").fill("Sven Berg")
    page.get_by_label("Meddelande", exact=True).fill("Undrar över bygglov på Storgatan 3")
    screenshot(page, "console-message")
    page.get_by_role("button", name="Spara meddelandet").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#action-status")).to_contain_text("Meddelandet till Anna Öberg är sparat")
    expect(anna).to_be_focused()

    # Anna logs in (her own browser) and finds the message.
    anna_page = new_page(chromium)
    try:
        log_in(anna_page, server, "anna")
        anna_page.get_by_role("link", name="Återuppringningar").click()
        row = anna_page.locator("tr", has_text="Sven Berg")
        expect(row).to_contain_text("070-123 45 67")
        expect(row).to_contain_text("Undrar över bygglov på Storgatan 3")
        expect(row).to_contain_text("meddelande från växeln")
        assert accessibility_problems(anna_page) == []
        screenshot(anna_page, "me-callbacks")
        row.get_by_role("button", name="Klar").click()
        expect(anna_page.locator(".flash")).to_have_text("Återuppringningen är markerad som klar.")
        expect(anna_page.locator("tr", has_text="Sven Berg")).to_have_count(0)
    finally:
        anna_page.context.close()


def test_console_works_from_the_keyboard_alone(page: Any, server: Server) -> None:
    page.goto(f"{server.url}/login")
    # Log in without the mouse: the user name field has focus, Tab to the password, Enter.
    expect(page.get_by_label("Användarnamn")).to_be_focused()
    page.keyboard.type("telefonist")
    page.keyboard.press("Tab")
    page.keyboard.type("ekby-telefonist-123")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/console")
    expect(page.locator("#search")).to_be_focused()
    page.keyboard.type("bygglov")
    expect(page.locator(".hit")).to_have_count(3)
    page.keyboard.press("ArrowDown")
    expect(page.locator(".hit").nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    anna = page.locator(".hit").nth(1)
    expect(anna).to_be_focused()
    outline = anna.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused hit must show where the focus is"

    # Alt+M: a message for the hit in focus; the dialog has the keyboard; Enter saves.
    page.keyboard.press("Alt+m")
    expect(page.locator("#message-dialog")).to_be_visible()
    expect(page.locator("#message-dialog [data-person-name]")).to_have_text("Anna Öberg")
    page.keyboard.type("0701234567")
    page.keyboard.press("Tab")
    page.keyboard.type("Kalle Ek")
    page.keyboard.press("Enter")
    expect(page.locator("#message-dialog")).to_be_hidden()
    expect(page.locator("#action-status")).to_contain_text("Meddelandet till Anna Öberg")
    expect(anna).to_be_focused()

    # Alt+H: divert Björn until tomorrow; Escape closes a dialog without saving.
    page.keyboard.press("ArrowDown")
    bjorn = page.locator(".hit", has_text="Björn Ängström")
    expect(bjorn).to_be_focused()
    page.keyboard.press("Alt+h")
    expect(page.locator("#absence-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#absence-dialog")).to_be_hidden()
    expect(bjorn).to_be_focused()
    page.keyboard.press("Alt+h")
    page.locator("#absence-reason").select_option("kurs")
    page.locator("#absence-until").fill("i morgon 08:00")
    screenshot(page, "console-absence")
    page.locator("#absence-until").press("Enter")
    expect(page.locator("#absence-dialog")).to_be_hidden()
    expect(bjorn).to_contain_text("På kurs")
    expect(bjorn).to_contain_text("Åter i morgon 08.00")

    # Alt+K without a call: the console says why it cannot transfer (no switch yet).
    page.keyboard.press("Alt+k")
    expect(page.locator("#call-status")).to_contain_text("inte ansluten till växeln")
    # Escape and "/" go back to the search box.
    page.keyboard.press("Escape")
    expect(page.locator("#search")).to_be_focused()
    page.locator(".hit").nth(0).focus()
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()


def test_console_follows_presence_live(chromium: Any, page: Any, server: Server) -> None:
    log_in(page, server, "telefonist")
    page.locator("#search").type("maja")
    maja = page.locator(".hit", has_text="Maja Nilsson")
    expect(maja).to_contain_text("Tillgänglig")
    other = new_page(chromium)
    try:
        log_in(other, server, "maja")
        other.locator("label", has_text="På lunch").click()
        other.get_by_role("button", name="I dag 13.00").click()
        expect(other.locator(".flash")).to_contain_text("Din telefon är hänvisad")
    finally:
        other.context.close()
    # No reload: the console heard of it over server-sent events.
    expect(maja).to_contain_text("På lunch")
    expect(maja).to_contain_text("Åter i dag 13.00")


def test_queue_answer_and_transfer_with_a_switch(
    chromium: Any, tmp_path: Path, seeded: tuple[Path, Seeded]
) -> None:
    switch = FakeSwitch()
    with serve(tmp_path, seeded, call_control=switch) as server:
        page = new_page(chromium)
        try:
            log_in(page, server, "telefonist")
            queue = page.locator("#queue-list li")
            expect(queue).to_have_count(2)
            expect(queue.nth(0)).to_contain_text("070-111 22 33")
            expect(queue.nth(1)).to_contain_text("Eva Sund")
            page.locator("#search").type("björn")
            expect(page.locator(".hit")).to_have_count(1)
            screenshot(page, "console-queue")
            page.keyboard.press("Alt+n")
            expect(page.locator("#call-status")).to_contain_text("Din telefon ringer")
            expect(page.locator("#current-call")).to_contain_text("070-111 22 33")
            page.keyboard.press("Alt+k")
            dialog = page.locator("#transfer-dialog")
            expect(dialog).to_be_visible()
            expect(page.get_by_label("Nummer", exact=True)).to_have_value("4102")
            page.locator("label", has_text="Med förfrågan").click()
            screenshot(page, "console-transfer")
            dialog.get_by_role("button", name="Koppla").click()
            expect(dialog).to_be_hidden()
            expect(page.locator("#action-status")).to_contain_text("Den som ringer väntar")
            page.get_by_role("button", name="Koppla ihop").click()
            expect(page.locator("#call-status")).to_have_text("Samtalet är kopplat.")
            expect(page.locator("#queue-list li")).to_have_count(1)  # live, from the queue feed
        finally:
            page.context.close()
    assert [a[0] for a in switch.asked] == ["answer_next", "consult", "complete"]


def test_console_shows_who_is_signed_in_to_the_queue_live(
    chromium: Any, tmp_path: Path, seeded: tuple[Path, Seeded]
) -> None:
    """Sign-ins are the queue's (a phone's *21#, or the switch after a restart); the console
    lists them and follows every change without a reload."""
    with serve(tmp_path, seeded, call_control=FakeSwitch()) as server:
        people = server.ids.people

        def signed(who: str, number: str, minutes_ago: int | None) -> None:
            with server.db.session() as s:
                queue = QueueSignInRepository(s)
                if minutes_ago is None:
                    queue.sign_out("vaxeln", people[who])
                else:
                    queue.sign_in(
                        "vaxeln", people[who], number, NOW - timedelta(minutes=minutes_ago)
                    )

        signed("anna", "4101", 50)
        page = new_page(chromium)
        try:
            log_in(page, server, "telefonist")
            operators = page.locator("#operator-list li")
            expect(operators).to_have_count(1)
            expect(operators.nth(0)).to_have_text("Anna Öberg 4101 · sedan 09.10")
            signed("elin", "4001", 5)  # the telefonist herself, from her phone
            expect(operators).to_have_count(2)
            expect(operators.nth(1)).to_contain_text("Elin Lund (du)")
            expect(page.locator("#operator-count")).to_have_text("2")
            expect(page.locator("#queue-sign-in")).to_have_text("Logga ut ur kön Alt+L")
            assert accessibility_problems(page) == []
            screenshot(page, "console-queue-operators")
            signed("anna", "", None)
            expect(operators).to_have_count(1)
            expect(operators.nth(0)).to_contain_text("Elin Lund")
            signed("elin", "", None)
            expect(page.locator("#operators-none")).to_have_text(
                "Ingen telefonist är inloggad i kön. Logga in här eller med *21# från telefonen."
            )
            expect(page.locator("#operator-count")).to_have_text("0")
            expect(page.locator("#queue-sign-in")).to_have_text("Logga in i kön Alt+L")
        finally:
            page.context.close()


def test_operator_signs_in_to_the_queue_from_the_console(
    chromium: Any, tmp_path: Path, seeded: tuple[Path, Seeded]
) -> None:
    """The button (or Alt+L) signs the telefonist in on her phone's number and out again; the
    list of who is signed in changes with it. Without a registered phone the console says so."""
    switch = FakeSwitch()
    with serve(tmp_path, seeded, call_control=switch) as server:
        switch.database = server.db
        elin = server.ids.people["elin"]
        page = new_page(chromium)
        try:
            log_in(page, server, "telefonist")
            button = page.locator("#queue-sign-in")
            operators = page.locator("#operator-list li")
            status = page.locator("#call-status")
            expect(button).to_have_text("Logga in i kön Alt+L")
            expect(page.locator("#operators-none")).to_be_visible()

            button.click()  # her phone is not registered yet
            expect(status).to_have_text(
                "Du kan inte logga in i kön. Din telefon är inte registrerad. Starta den och "
                "försök igen."
            )
            expect(page.locator("#operators-none")).to_be_visible()

            switch.phones[elin] = "4001"  # she starts her phone
            button.click()
            expect(status).to_have_text("Du är inloggad i kön. Samtalen ringer på 4001.")
            expect(operators).to_have_count(1)
            expect(operators.nth(0)).to_contain_text("Elin Lund (du)")
            expect(operators.nth(0)).to_contain_text("4001")
            expect(page.locator("#operator-count")).to_have_text("1")
            expect(button).to_have_text("Logga ut ur kön Alt+L")
            expect(button).to_be_focused()
            assert accessibility_problems(page) == []
            screenshot(page, "console-queue-sign-in")

            page.locator("#search").focus()
            page.keyboard.press("Alt+l")  # from the keyboard, wherever the focus is
            expect(status).to_have_text("Du är utloggad ur kön.")
            expect(page.locator("#operators-none")).to_be_visible()
            expect(page.locator("#operator-count")).to_have_text("0")
            expect(button).to_have_text("Logga in i kön Alt+L")
        finally:
            page.context.close()
    assert switch.asked == [("sign_in", str(elin))] * 2 + [("sign_out", str(elin))]
