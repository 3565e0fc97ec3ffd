"""The layer rule of ARCHITECTURE.md: each layer imports only from layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "vaxel"
# config.py is plain settings (stdlib only), so it sits just above the pure layers.
LAYERS = ["sip", "media", "domain", "config", "storage", "transport", "switch", "flows", "web"]
TOP = {"__init__", "__main__", "cli", "app", "demo"}

# Modules that must stay pure: no event loop, no sockets, no clock, no database, no web.
IO_MODULES = {"asyncio", "socket", "selectors", "threading", "time", "sqlalchemy", "fastapi"}
MEDIA_SESSIONS = {"player", "recorder", "announcer", "session", "speech"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


def layer_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_layer_reaches_up(path: Path) -> None:
    layer = layer_of(path)
    if layer in TOP:
        return
    rank = LAYERS.index(layer)
    for name in imports_of(path):
        parts = name.split(".")
        if parts[0] != "vaxel" or len(parts) < 2:
            continue
        target = parts[1]
        assert target not in TOP, f"{path.name} imports {name}: the root is above all layers"
        assert LAYERS.index(target) <= rank, f"{layer}/{path.name} reaches up to {name}"


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_pure_layers_do_no_io(path: Path) -> None:
    layer = layer_of(path)
    pure = layer in {"sip", "domain"} or (layer == "media" and path.stem not in MEDIA_SESSIONS)
    if not pure:
        return
    for name in imports_of(path):
        root = name.split(".")[0]
        assert root not in IO_MODULES, f"{layer}/{path.name} imports {name}, but {layer} is sans-IO"
        if layer == "domain":
            assert not name.startswith(("vaxel.sip", "vaxel.media")), f"domain imports {name}"


def test_layer_rule_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import asyncio\nfrom vaxel.web import app\n", encoding="utf-8")
    assert imports_of(bad) == {"asyncio", "vaxel.web"}
