"""The Hoclieu site: settings, URLs, base templates, home page and admin hooks."""
