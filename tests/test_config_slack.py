"""The Slack settings are checked at start like the others: the approvers channel is a
channel id, and the app needs both its signing secret and its bot token or neither."""

import pytest

from config import ConfigError, load_config


def test_the_approvers_channel_is_a_channel_id_or_empty(tmp_path):
    settings = load_config({"HERALD_ENV": "testing"}, str(tmp_path))
    assert settings["SLACK_APPROVERS_CHANNEL"] == ""
    settings = load_config(
        {"HERALD_ENV": "testing", "HERALD_SLACK_APPROVERS_CHANNEL": " c0approve01 "},
        str(tmp_path),
    )
    assert settings["SLACK_APPROVERS_CHANNEL"] == "C0APPROVE01"


@pytest.mark.parametrize("value", ["#approvals", "approvals", "U0123456789", "C01", "C0 APPROVE"])
def test_a_channel_name_or_a_member_id_is_refused(value, tmp_path):
    with pytest.raises(ConfigError, match="HERALD_SLACK_APPROVERS_CHANNEL must be a Slack channel"):
        load_config(
            {"HERALD_ENV": "testing", "HERALD_SLACK_APPROVERS_CHANNEL": value}, str(tmp_path)
        )


@pytest.mark.parametrize(
    "given, missing",
    [
        ("HERALD_SLACK_BOT_TOKEN", "HERALD_SLACK_SIGNING_SECRET"),
        ("HERALD_SLACK_SIGNING_SECRET", "HERALD_SLACK_BOT_TOKEN"),
    ],
)
def test_one_half_of_the_slack_app_alone_names_the_missing_one(given, missing, tmp_path):
    with pytest.raises(ConfigError, match=f"^{missing} is missing"):
        load_config({"HERALD_ENV": "testing", given: "value"}, str(tmp_path))


def test_both_halves_or_neither_start(tmp_path):
    both = load_config(
        {
            "HERALD_ENV": "testing",
            "HERALD_SLACK_BOT_TOKEN": "xoxb-1",
            "HERALD_SLACK_SIGNING_SECRET": "secret",
        },
        str(tmp_path),
    )
    assert (both["SLACK_BOT_TOKEN"], both["SLACK_SIGNING_SECRET"]) == ("xoxb-1", "secret")
    neither = load_config({"HERALD_ENV": "testing", "HERALD_SLACK_BOT_TOKEN": " "}, str(tmp_path))
    assert neither["SLACK_BOT_TOKEN"] == ""
