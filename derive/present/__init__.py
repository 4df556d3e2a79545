"""Present: what a reader sees of a derivation (the presentation, the text
report, derivation.json)."""
