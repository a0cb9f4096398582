"""Field intelligence: what the field knows about each competitor, and messages from
marketing back to the field."""
