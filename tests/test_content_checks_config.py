"""The `checks:` option of the course plugin: levels per content check, strict names."""

import pytest
from course_site.config import CoursePluginConfig
from course_site.content_checks import CHECK_NAMES


def _validate(raw: dict) -> tuple[list, dict]:
    config = CoursePluginConfig()
    config.load_dict(raw)
    failed, _warnings = config.validate()
    return failed, dict(config)


def test_every_check_defaults_to_warn():
    failed, config = _validate({})
    assert not failed
    assert config["checks"] == dict.fromkeys(CHECK_NAMES, "warn")


def test_a_level_can_be_lowered_per_check():
    failed, config = _validate({"checks": {"duration": "info", "answer_length": "off"}})
    assert not failed
    assert config["checks"] == {"duration": "info", "answer_length": "off"}


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"bogus": "warn"}, ["unknown check 'bogus'", "answer_length"]),
        ({"duration": "loud"}, ["unknown level 'loud'", "warn, info, off"]),
        (["duration"], ["expected a mapping"]),
    ],
)
def test_unknown_names_and_levels_are_config_errors(raw, words):
    failed, _config = _validate({"checks": raw})
    assert [key for key, _error in failed] == ["checks"]
    message = str(failed[0][1])
    for word in words:
        assert word in message
