"""Reminders between the handlers and the core: planning, wording, sending."""
