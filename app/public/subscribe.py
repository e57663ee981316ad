"""Public subscription pages: sign-up, confirmation, manage, unsubscribe."""
