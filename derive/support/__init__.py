"""Support: what every layer may use and that knows nothing of networks (input
errors, templates, writing files, progress lines, time limits)."""
