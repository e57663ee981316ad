"""Admin: subscribers, import/export, quarantine, saved groups, broadcast progress."""
