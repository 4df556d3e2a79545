"""Codegen: the NumPy trainer printed from the proved rules, and its check."""
