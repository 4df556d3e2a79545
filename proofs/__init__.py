"""Machine-checked proofs that the δ recursion is the chain rule.

``proofs.kernel`` is the only place a verified fact is made; the theorem
modules build proofs out of kernel steps and never decide anything
themselves.
"""
