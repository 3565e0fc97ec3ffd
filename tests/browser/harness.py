"""A real server for the browser tests: uvicorn on a free loopback port, in a thread, on a copy
of the seeded SQLite database; and Chromium (Debian's) driven by Playwright.

tests/web (the seeded municipality) and tests/interop (vaxel as `vaxel serve`, SIPp, the
callers' media) are put on sys.path, so the browser tests share their code by importing it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for shared in ("web", "interop"):
    if str(ROOT / "tests" / shared) not in sys.path:
        sys.path.insert(0, str(ROOT / "tests" / shared))

from seeding import PASSWORDS, Seeded, fixed_clock, make_config, open_db  # noqa: E402

from vaxel.storage.db import Database  # noqa: E402
from vaxel.web import CallControl, create_app  # noqa: E402

SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--lang=sv-SE",
]
# Date inputs are drawn in Chromium's own language, not the page's or the context's locale: on
# Linux it comes from LANGUAGE (--lang is read on other systems), and only if Chromium has the
# Swedish language pack (Debian: chromium-l10n). Without it dates read 04/30/2026.
CHROMIUM_ENV = {**os.environ, "LANGUAGE": "sv_SE"}
SWEDISH_PACK = Path("/usr/lib/chromium/locales/sv.pak")
LOCALE = "sv-SE"
SECRET = b"browser-secret-browser-secret-0123456789"


def root_conftest() -> Any:
    """tests/conftest.py, for need_program (imported by path: every conftest is "conftest")."""
    spec = importlib.util.spec_from_file_location(
        "vaxel_tests_root", ROOT / "tests" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Server:
    url: str
    db: Database
    ids: Seeded
    data_dir: Path


@contextmanager
def serve(
    tmp_path: Path, seeded: tuple[Path, Seeded], call_control: CallControl | None = None
) -> Iterator[Server]:
    """The app on a copy of the seeded data, until the block ends."""
    template, ids = seeded
    config = make_config(tmp_path / "data")
    shutil.copytree(template, config.data_dir)
    db = open_db(config)
    app = create_app(db, config, call_control=call_control, clock=fixed_clock, secret=SECRET)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=3, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", db, ids, config.data_dir)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        db.dispose()


def new_page(chromium: Any, **options: Any) -> Any:
    context = chromium.new_context(
        viewport={"width": 1280, "height": 860},
        locale=LOCALE,
        timezone_id="Europe/Stockholm",
        **options,
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def log_in(page: Any, server: Server, username: str) -> None:
    """Log in through the log-in page, as a person would."""
    log_in_at(page, server.url, username, PASSWORDS[username])


def log_in_at(page: Any, url: str, username: str, password: str) -> None:
    """Log in on the web at `url` (any running vaxel) through its log-in page."""
    page.goto(f"{url}/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state("networkidle")


def screenshot(page: Any, name: str) -> Path:
    """docs/screenshots/NAME.png, full page; left as it is when Chromium cannot draw Swedish
    dates (the browser fixture says so), so that the docs never show mm/dd/yyyy."""
    path = SCREENSHOTS / f"{name}.png"
    if not SWEDISH_PACK.exists():
        return path
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def date_fields(page: Any, selector: str) -> list[str]:
    """The parts of a date input in the order Chromium draws them ("År", "Månad", "Dag" in
    Swedish), read from the accessibility tree (the input's insides are not in the DOM)."""
    cdp = page.context.new_cdp_session(page)
    try:
        found = cdp.send(
            "Runtime.evaluate", {"expression": f"document.querySelector({selector!r})"}
        )
        nodes = cdp.send(
            "Accessibility.queryAXTree",
            {"objectId": found["result"]["objectId"], "role": "spinbutton"},
        )["nodes"]
    finally:
        cdp.detach()
    return [n["name"]["value"].split()[0] for n in nodes]


# Checks run in the page: every form control has a name a screen reader reads out, ids are
# unique, and text meets the WCAG 2.1 AA contrast ratio against its background.
A11Y_CHECK = """
() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    && getComputedStyle(el).visibility !== "hidden";
  for (const el of document.querySelectorAll("input, select, textarea, button")) {
    if (el.type === "hidden" || !visible(el)) continue;
    const named = (el.labels && el.labels.length) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby") || (el.tagName === "BUTTON" && el.textContent.trim());
    if (!named) problems.push(`unnamed ${el.tagName.toLowerCase()} ${el.id || el.name || ""}`);
  }
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) {
    if (ids[el.id]) problems.push(`duplicate id ${el.id}`);
    ids[el.id] = true;
  }
  if (!document.documentElement.lang) problems.push("no lang");
  if (document.querySelectorAll("h1").length < 1) problems.push("no h1");
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const c = rgb(getComputedStyle(node).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el) || !visible(el)) continue;
    if (el.closest("[hidden], dialog:not([open]), .visually-hidden, .skip-link, option")) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const fg = rgb(style.color).slice(0, 3);
    const a = lum(fg), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const opacity = Number(style.opacity);
    if (ratio < (large ? 3 : 4.5) && opacity > 0) {
      problems.push(`contrast ${ratio.toFixed(2)} for "${el.textContent.trim().slice(0, 30)}"`);
    }
  }
  return problems;
}
"""


def accessibility_problems(page: Any) -> list[str]:
    problems: list[str] = page.evaluate(A11Y_CHECK)
    return problems
