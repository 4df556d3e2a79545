"""Parsing: text (a custom activation or loss) into a SymPy expression, with
its limits and the check of every constant."""
