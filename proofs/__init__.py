"""Machine-checked proofs that the δ recursion is the chain rule.

``proofs.kernel`` (a package that imports SymPy only) is the only place a
verified fact is made; the theorem modules build proofs out of kernel steps
and never decide anything themselves.  ``proofs.network`` states the
network a proof is about, ``proofs.replay`` stores and replays kernel
steps, and ``proofs.verify`` checks a certificate with those alone.
"""
