"""Perspective's domain rules, composition of Slack messages, app factory, server and CLI."""
