"""Pure logic: no Telegram imports, no I/O beyond reading content files."""
