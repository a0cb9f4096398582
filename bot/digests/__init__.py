"""Digests: subscriptions, slots, the sections a digest is made of, posting once."""
