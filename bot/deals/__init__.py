"""Closed deals: intake (webhook, CSV, command), the win/loss prompt, Block Kit."""
