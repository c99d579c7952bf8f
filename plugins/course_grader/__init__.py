"""pytest plugin that grades Docker exercises against a real Docker engine."""
