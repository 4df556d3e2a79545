"""Experiments that answer the seed's two open questions with measurements.

``batch-size``: does per-sample (stochastic) or batch gradient descent
converge faster?  ``sequential``: does training on a new batch spoil weights
that were good for the previous one?  Both train the generated trainer
(:mod:`derive.codegen.trainer`), printed from the proved rules; there is no second
training loop here, only bookkeeping around ``train``'s callback.
"""
