"""Slack plumbing every feature shares: Block Kit, mrkdwn escaping, the client, people."""
