"""Model: one network of SymPy symbols built from a spec, and numeric
evaluation of its expressions."""
