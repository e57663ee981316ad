"""Admin forms. Each carries a CSRF token; choices are filled in by the views."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms < 3.3 takes (value, label) tuples
    SelectChoice = None

from core.vocab import (
    DEPENDENCY_KINDS,
    IMPACTS,
    INCIDENT_STATUS_LABELS,
    MAINTENANCE_STATUS_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
)


def options(pairs) -> list:
    """Choices from (value, label) pairs. WTForms 3.3 deprecates tuples (a warning, an
    error under the tests) and 3.4 drops them, so they become SelectChoice objects."""
    pairs = list(pairs)
    return [SelectChoice(value, label) for value, label in pairs] if SelectChoice else pairs


STATUS_CHOICES = options(STATUS_LABELS.items())
OPEN_INCIDENT_STATUSES = options(
    (k, v) for k, v in INCIDENT_STATUS_LABELS.items() if k != "resolved"
)
# A resolved incident's quick-update form: a note that keeps it resolved comes first (the
# default), then the statuses that reopen it.
NOTE_OR_REOPEN_STATUSES = options(
    [("resolved", "Resolved (add a note)")]
    + [(k, v) for k, v in INCIDENT_STATUS_LABELS.items() if k != "resolved"]
)
VISIBILITY_CHOICES = options([("public", "Public"), ("internal", "Internal only")])
IMPACT_CHOICES = options((i, i.capitalize()) for i in IMPACTS)
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class GroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    position = IntegerField("Position", validators=[Optional(), NumberRange(0, 10_000)])


class ComponentForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    group_id = SelectField("Group", coerce=int)
    position = IntegerField("Position", validators=[Optional(), NumberRange(0, 10_000)])
    visibility = SelectField("Visibility", choices=VISIBILITY_CHOICES)
    tier = SelectField("Criticality", choices=options(TIER_LABELS.items()))
    team_id = SelectField("Owner team", coerce=int)
    showcase = BooleanField("Show 90-day uptime on the page", default=True)
    only_show_if_degraded = BooleanField("Only show when not operational")
    start_date = DateField("In service since", validators=[Optional()])
    sla_percent = StringField(
        "Monthly SLA (%, empty for none)", validators=[Optional(), Length(max=20)]
    )
    credit_tiers = TextAreaField(
        "Service credit tiers (one below=credit a line, e.g. 99.9=10)",
        validators=[Optional(), Length(max=500)],
    )


class DependencyForm(FlaskForm):
    depends_on_id = SelectField("Depends on", coerce=int)
    kind = SelectField("Kind", choices=options((k, k.capitalize()) for k in DEPENDENCY_KINDS))


class StatusForm(FlaskForm):
    status = SelectField("Status", choices=STATUS_CHOICES)


class DeclareForm(FlaskForm):
    name = StringField("Incident name", validators=[DataRequired(), Length(max=200)])
    impact = SelectField("Impact", choices=IMPACT_CHOICES, default="minor")
    status = SelectField("Status", choices=OPEN_INCIDENT_STATUSES, default="investigating")
    visibility = SelectField("Visibility", choices=VISIBILITY_CHOICES)
    body = TextAreaField("Message (Markdown)", validators=[Optional(), Length(max=20_000)])
    started_at = DateTimeLocalField(
        "Started at (leave empty for now)", format=DATETIME_FORMAT, validators=[Optional()]
    )
    notify = BooleanField("Notify subscribers", default=True)


class UpdateForm(FlaskForm):
    status = SelectField("Status", choices=OPEN_INCIDENT_STATUSES)
    body = TextAreaField("Message (Markdown)", validators=[DataRequired(), Length(max=20_000)])
    at = DateTimeLocalField(
        "Time (leave empty for now)", format=DATETIME_FORMAT, validators=[Optional()]
    )
    notify = BooleanField("Notify subscribers", default=True)


class ResolveForm(FlaskForm):
    body = TextAreaField(
        "Message (Markdown)",
        validators=[DataRequired(), Length(max=20_000)],
        default="This incident has been resolved.",
    )
    at = DateTimeLocalField(
        "Resolved at (leave empty for now)", format=DATETIME_FORMAT, validators=[Optional()]
    )
    notify = BooleanField("Notify subscribers", default=True)


def update_form_for(status: str, **kwargs) -> UpdateForm:
    """The quick-update form for an incident in ``status``. On a resolved incident it
    adds a note by default (still resolved, nobody notified unless ticked); choosing an
    open status reopens it."""
    if status != "resolved":
        return UpdateForm(**{"status": status, **kwargs})
    form = UpdateForm(**{"status": "resolved", "notify": False, **kwargs})
    form.status.choices = NOTE_OR_REOPEN_STATUSES
    return form


class EditIncidentForm(FlaskForm):
    name = StringField("Incident name", validators=[DataRequired(), Length(max=200)])
    impact = SelectField("Impact", choices=IMPACT_CHOICES)
    visibility = SelectField("Visibility", choices=VISIBILITY_CHOICES)


class PostmortemForm(FlaskForm):
    body = TextAreaField("Postmortem (Markdown)", validators=[Optional(), Length(max=100_000)])
    publish = BooleanField("Published on the incident page")


class RejectPostmortemForm(FlaskForm):
    """Sending a postmortem back: the author is told what should change."""

    comment = TextAreaField("What should change", validators=[DataRequired(), Length(max=2000)])


class MaintenanceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    scheduled_for = DateTimeLocalField(
        "Starts", format=DATETIME_FORMAT, validators=[DataRequired()]
    )
    scheduled_until = DateTimeLocalField(
        "Ends", format=DATETIME_FORMAT, validators=[DataRequired()]
    )
    visibility = SelectField("Visibility", choices=VISIBILITY_CHOICES)
    body = TextAreaField("Message (Markdown)", validators=[DataRequired(), Length(max=20_000)])
    auto_transition = BooleanField("Start and complete automatically at these times", default=True)
    notify = BooleanField("Notify subscribers", default=True)


class EditMaintenanceForm(FlaskForm):
    """A window's details; its message changes by posting an update, so none is asked."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    scheduled_for = DateTimeLocalField(
        "Starts", format=DATETIME_FORMAT, validators=[DataRequired()]
    )
    scheduled_until = DateTimeLocalField(
        "Ends", format=DATETIME_FORMAT, validators=[DataRequired()]
    )
    visibility = SelectField("Visibility", choices=VISIBILITY_CHOICES)


class MaintenanceUpdateForm(FlaskForm):
    status = SelectField("Status", choices=options(MAINTENANCE_STATUS_LABELS.items()))
    body = TextAreaField("Message (Markdown)", validators=[DataRequired(), Length(max=20_000)])
    notify = BooleanField("Notify subscribers", default=True)


class UserForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=options(ROLE_LABELS.items()))
    team_id = SelectField("Team", coerce=int)
    phone = StringField("Phone number", validators=[Optional(), Length(max=40)])
    password = PasswordField("Password", validators=[Optional(), Length(min=10, max=200)])
    active = BooleanField("Active", default=True)


class TeamForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    contact_email = EmailField(
        "Contact email", validators=[Optional(), Email(check_deliverability=False), Length(max=254)]
    )
