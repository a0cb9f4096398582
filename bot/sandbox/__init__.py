"""`perspective sandbox`: the real app against a stand-in Slack, driven by a small language."""
