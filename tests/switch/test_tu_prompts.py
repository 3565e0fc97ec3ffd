"""What the switch's call handling (vaxel.switch.signalling) says to callers is bilingual:
with announcements set to "sv,en" it is said in English too, so none of it is plain Swedish
text (which `say` speaks in Swedish only)."""

from __future__ import annotations

import ast
import inspect

from vaxel.media.announcer import Prompt, text_in
from vaxel.switch import signalling


def test_signalling_says_prompts_not_swedish_only_text() -> None:
    tree = ast.parse(inspect.getsource(signalling))
    plain = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "say"
        and any(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args)
    ]
    assert plain == [], f"say() with Swedish-only text at lines {plain}"


def test_the_switchs_own_prompts_have_english() -> None:
    said = [signalling.SERVICE_UNAVAILABLE, signalling.CALLBACK_FAILED]
    for prompt in said:
        assert isinstance(prompt, Prompt)
        assert text_in(prompt, "sv") and text_in(prompt, "en"), prompt.id
    assert signalling.SERVICE_UNAVAILABLE.text == "Tjänsten finns inte."
    assert len({p.id for p in said}) == len(said)
