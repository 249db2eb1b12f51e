"""Telegram handlers: translate updates into core calls and results into messages."""
