"""Incidents: declaring, updating, resolving and writing the postmortem."""
