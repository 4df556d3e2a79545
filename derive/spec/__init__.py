"""Spec: what network is asked for (layers, widths, activations, loss, bias)
and the registry of named activations and losses."""
