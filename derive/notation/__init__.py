"""Notation: the names of the quantities (SymPy symbols), the notations that
spell them (layer, xigua) and the equation numbers."""
