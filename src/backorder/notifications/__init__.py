"""Customer notices rendered from Jinja2 templates (plain text and HTML) shipped here."""
