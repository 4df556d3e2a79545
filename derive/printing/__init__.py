"""Printing: SymPy expressions in Unicode and in LaTeX, in a notation."""
