"""What both wings share: the database and its base model, time, errors and the audit log.

The domain (``app``) and delivery (``subscribers``) import from here; ``core`` imports
neither (an import contract in CI keeps it so).
"""
