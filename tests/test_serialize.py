"""derivation.json round-trips exactly and refuses anything not whitelisted."""

from __future__ import annotations

import json

import pytest
import sympy

from derive.derivation import indexed
from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.spec.network import parse_spec
from proofs.kernel.codec import Encoder, FormatError, decode


def roundtrip(expressions):
    encoder = Encoder()
    ids = [encoder.add(e) for e in expressions]
    nodes = json.loads(json.dumps(encoder.nodes))
    built = decode(nodes)
    return [built[i] for i in ids], nodes


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "softplus", "x/(1+abs(x))", "max(x, 0)"])
def test_roundtrip_is_exact(activation):
    network = Network(parse_spec("2", "2,2,1", activation, "bce"))
    derivation = Derivation(network)
    expressions = [derivation.expanded_gradient(p) for p in network.parameters()]
    expressions += [rule.equation for rule in indexed.rules(network)]
    expressions += [indexed.matrix_rules(network, 1).delta, network.loss_expanded]
    back, _ = roundtrip(expressions)
    assert back == expressions


def test_shared_subexpressions_are_stored_once():
    network = Network(parse_spec("5", "3,3,3,3,3,3"))
    _, nodes = roundtrip([network.loss_expanded])
    tree_size = sum(1 for _ in sympy.preorder_traversal(network.loss_expanded))
    assert len(nodes) * 20 < tree_size


@pytest.mark.parametrize(
    "nodes",
    [
        [["eval", 0]],
        [["Symbol", "x", {"commutative": False}]],
        [["Symbol", "x", {}], ["Add", 0, 5]],
        [["Symbol", "x", {}], ["Add", 1]],
        [["Integer", "1e5"]],
        [["Integer", "__import__('os')"]],
        [{"op": "Add"}],
        [["Float", "1.5"]],
    ],
)
def test_decode_rejects_what_it_does_not_know(nodes):
    with pytest.raises(FormatError):
        decode(nodes)


def test_floats_are_not_stored():
    with pytest.raises(FormatError):
        Encoder().add(sympy.Float(0.5) * sympy.Symbol("x"))
