"""renewal-bot: keeps Cambodian prepaid SIMs, eSIMs and data plans alive."""
