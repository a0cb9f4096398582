"""Field notes: reading `/fieldnote` text, who may do what, and their Block Kit."""
