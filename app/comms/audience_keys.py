"""The default audiences' keys in the order the workflow shows them, and which are public.
Kept apart from drafting so that the notifier's rules (escalation) can read them while
drafting tells the notifier that drafts wait for approval."""

AUDIENCE_ORDER = ("customers", "press", "support", "engineering", "executives")
PUBLIC_KEYS = ("customers", "press")
