"""Herald's models, one module per entity group; importing this registers them all."""

from app.models.audit import PageState
from app.models.comms import (
    ApiToken,
    Communication,
    Draft,
    EscalationRule,
    FactSheet,
    MessageTemplate,
    RollCall,
)
from app.models.components import (
    Component,
    ComponentDependency,
    ComponentGroup,
    DailyUptime,
    StatusInterval,
)
from app.models.incidents import Incident, IncidentComponent, IncidentUpdate
from app.models.maintenance import Maintenance, MaintenanceComponent, MaintenanceUpdate
from app.models.pages import PageViewer, PrivatePage
from app.models.signals import (
    Alert,
    AlertRule,
    ComponentSignal,
    IncidentSignal,
    Integration,
    ListeningFeed,
    Mention,
    SuggestedIncident,
    VendorSource,
)
from app.models.users import Team, User
from core.audit import AuditEvent
from core.db import Base
from core.time import utcnow

__all__ = [
    "Alert",
    "AlertRule",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Communication",
    "Component",
    "ComponentDependency",
    "ComponentGroup",
    "ComponentSignal",
    "DailyUptime",
    "Draft",
    "EscalationRule",
    "FactSheet",
    "Incident",
    "IncidentComponent",
    "IncidentSignal",
    "IncidentUpdate",
    "Integration",
    "ListeningFeed",
    "Maintenance",
    "MaintenanceComponent",
    "MaintenanceUpdate",
    "Mention",
    "MessageTemplate",
    "PageState",
    "PageViewer",
    "PrivatePage",
    "RollCall",
    "StatusInterval",
    "SuggestedIncident",
    "Team",
    "User",
    "VendorSource",
    "utcnow",
]

# The delivery side's tables share the metadata (one schema, one migration history).
import subscribers.models  # noqa: F401
