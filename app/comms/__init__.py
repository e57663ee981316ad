"""The communications workflow: one fact sheet, a draft per audience from its template,
checks on every draft, approval, publishing, escalation, cadence, roll call, all-clear
and the communication log."""
