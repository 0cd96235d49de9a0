"""The web UI: Jinja2 templates, no JavaScript build step."""
