"""Forms of the subscriber screens. Choices (audiences, teams, components) are filled in by
the views."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.admin.forms import options
from core.vocab import DEFAULT_LANGUAGE, LANGUAGE_NAMES

# Slack and chat webhooks are for internal audiences and teams only (refused for a
# public audience by subscribers.registry.add_internal).
CHANNEL_CHOICES = options(
    [
        ("email", "Email"),
        ("sms", "SMS"),
        ("webhook", "Webhook"),
        ("slack", "Slack channel (internal audiences)"),
        ("chat_webhook", "Chat webhook: Teams, Mattermost, Discord, Google Chat (internal)"),
    ]
)


class SubscriberForm(FlaskForm):
    channel = SelectField("Channel", choices=CHANNEL_CHOICES)
    address = StringField(
        "Address",
        validators=[DataRequired(), Length(max=512)],
        description="An email address, a phone number in international format "
        "(+44 7911 123456), an https:// webhook URL, a Slack channel id (C0123456789) or "
        "member id (U0123456789), or a chat incoming-webhook URL.",
    )
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    audience = SelectField("Audience")
    team_id = SelectField("Team", coerce=int)
    component_ids = SelectMultipleField("Components", coerce=int, validate_choice=True)
    key_account = BooleanField("Key account (sent first)")
    language = SelectField(
        "Language",
        choices=options(list(LANGUAGE_NAMES.items())),
        default=DEFAULT_LANGUAGE,
        description="The language of every message it gets (where the message has a text "
        "in it; English otherwise).",
    )


class SavedGroupForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=120)],
        description="For example “Payments – executives”.",
    )
    audience = SelectField("Audience")
    component_ids = SelectMultipleField("Components", coerce=int, validate_choice=True)


class ImportForm(FlaskForm):
    file = FileField("CSV file")
