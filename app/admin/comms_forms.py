"""Forms of the communications workflow: the fact sheet, audiences, escalation rules.

Values are only parsed here; the rules (what a fact sheet needs, what an audience may be)
live in the services, which answer a broken value with a message for a person."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.admin.forms import DATETIME_FORMAT, IMPACT_CHOICES, VISIBILITY_CHOICES, options
from core.vocab import IMPACTS, INCIDENT_STATUS_LABELS, TIER_LABELS
from subscribers.models import CHANNELS, TONES

CHANNEL_LABELS = {
    "email": "Email",
    "sms": "SMS",
    "webhook": "Webhook",
    "slack": "Slack",
    "chat_webhook": "Chat webhook",
}


class CheckboxesField(SelectMultipleField):
    """Several choices, one checkbox each."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ComposeForm(FlaskForm):
    """The fact sheet, asked once for every audience."""

    status = SelectField("Status", choices=options(INCIDENT_STATUS_LABELS.items()))
    impact = SelectField("Impact", choices=IMPACT_CHOICES)
    summary = TextAreaField("What is happening", validators=[Optional()])
    customer_impact = TextAreaField("Customer impact", validators=[Optional()])
    workaround = TextAreaField("Workaround", validators=[Optional()])
    eta = DateTimeLocalField("Expected fix (ETA)", format=DATETIME_FORMAT, validators=[Optional()])
    next_update_at = DateTimeLocalField(
        "Next update", format=DATETIME_FORMAT, validators=[Optional()]
    )
    technical_detail = TextAreaField("Technical detail", validators=[Optional()])
    audiences = CheckboxesField("Audiences", validate_choice=False)


class RejectForm(FlaskForm):
    comment = TextAreaField("What should change", validators=[Optional(), Length(max=2000)])


class OverrideForm(FlaskForm):
    key = StringField("Finding", validators=[Optional(), Length(max=200)])
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])


class AudienceForm(FlaskForm):
    name = StringField("Name", validators=[Optional()])
    description = TextAreaField("Description", validators=[Optional()])
    visibility = SelectField("Visibility", choices=VISIBILITY_CHOICES)
    tone = SelectField("Tone", choices=options((t, t.capitalize()) for t in TONES))
    needs_approval = BooleanField("Drafts need an approver's sign-off")
    default_channels = CheckboxesField(
        "Default channels",
        choices=options((c, CHANNEL_LABELS[c]) for c in CHANNELS),
        # The view offers what the audience may have; update_audience says why not.
        validate_choice=False,
    )
    priority = IntegerField("Priority (lower is sent first)", validators=[InputRequired()])
    cadence_critical = IntegerField("Critical impact", validators=[InputRequired()])
    cadence_major = IntegerField("Major impact", validators=[InputRequired()])
    cadence_minor = IntegerField("Minor impact", validators=[InputRequired()])
    cadence_none = IntegerField("No impact", validators=[InputRequired()])
    sms_max_segments = IntegerField("SMS: at most segments", validators=[InputRequired()])
    page_max_chars = IntegerField("Page text: at most characters", validators=[InputRequired()])


class EscalationRuleForm(FlaskForm):
    name = StringField("Name", validators=[Optional()])
    min_impact = SelectField(
        "When the impact is at least",
        choices=options([("", "(any impact)")] + [(i, i.capitalize()) for i in IMPACTS]),
    )
    tier = SelectField(
        "or it touches a component of tier",
        choices=options([("", "(no tier)"), *TIER_LABELS.items()]),
    )
    audience_key = SelectField("Alert the audience")
    enabled = BooleanField("Enabled", default=True)
