"""Promises: rules, due dates, reminders, rollouts, the manager's nudge, Block Kit."""
