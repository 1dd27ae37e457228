"""Report rendering: figures, the template context, HTML and PDF."""
