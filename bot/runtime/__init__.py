"""The composition root: app factory, CLI, HTTP server, scheduler jobs, sandbox."""
