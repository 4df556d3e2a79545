"""Derivation: the gradients of a model (expanded chain rule and delta
recursion) and the index-form rules."""
