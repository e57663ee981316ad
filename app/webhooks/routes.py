"""Provider callback routes (verified by signature; CSRF does not apply)."""
