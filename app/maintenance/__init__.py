"""Scheduled maintenance: windows that move through their statuses by themselves."""
