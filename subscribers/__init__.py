"""Who is told and how: subscribers, audiences, groups, channels, the delivery outbox,
fan-out and its workers.

This package knows nothing of incidents or of the web views. It is given "this message,
for this audience, about these components" (``outbox.create_broadcast``) and owns
everything after that: matching subscribers, writing one delivery per address and
channel, sending them in batches, retrying what should be retried, and tracking what the
providers say happened.
"""
