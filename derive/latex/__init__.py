"""LaTeX: the write-up derivation.tex and its compilation to PDF."""
