"""VAXEL_ANNOUNCEMENT_LANGUAGES: what callers hear, Swedish first, English as an option."""

from __future__ import annotations

import pytest

from vaxel.config import Config, ConfigError, parse_announcement_languages


def test_swedish_is_the_default() -> None:
    assert Config.from_env({}).announcement_languages == ("sv",)
    assert Config.from_env({"VAXEL_ANNOUNCEMENT_LANGUAGES": "  "}).announcement_languages == ("sv",)


@pytest.mark.parametrize(
    ("given", "languages"),
    [("sv", ("sv",)), ("sv,en", ("sv", "en")), (" SV , en ", ("sv", "en")), ("en", ("en",))],
)
def test_the_setting_is_read_from_the_environment(given: str, languages: tuple[str, ...]) -> None:
    env = {"VAXEL_ANNOUNCEMENT_LANGUAGES": given}
    assert Config.from_env(env).announcement_languages == languages


@pytest.mark.parametrize("given", ["de", "sv,de", "sv,sv", "sv,", "en,sv", "swedish"])
def test_a_wrong_value_names_the_setting(given: str) -> None:
    with pytest.raises(ConfigError, match=r"VAXEL_ANNOUNCEMENT_LANGUAGES: expected sv, sv,en"):
        Config.from_env({"VAXEL_ANNOUNCEMENT_LANGUAGES": given})


def test_an_override_is_parsed_and_checked_too() -> None:
    config = Config.from_env({}, announcement_languages="sv,en")
    assert config.announcement_languages == ("sv", "en")
    assert parse_announcement_languages(" EN ") == ("en",)
    with pytest.raises(ConfigError, match="announcement_languages"):
        Config.from_env({}, announcement_languages="sv,xx")
    with pytest.raises(ConfigError, match="VAXEL_ANNOUNCEMENT_LANGUAGES"):
        Config.from_env({}, announcement_languages=("xx",))
