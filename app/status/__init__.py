"""Component health: statuses, dependencies, status history, uptime and the page summary."""
