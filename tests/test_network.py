"""The statement the proofs are about, as the certificate checker reads it."""

from __future__ import annotations

import pytest
import sympy

from derive.derivation import indexed
from derive.model.network import Network
from derive.notation.quantities import scalar_quantity
from derive.spec.network import parse_spec
from proofs import network


@pytest.mark.parametrize("widths", ["2,3,2", "12,1,10,3", "1,1"])
def test_every_program_symbol_names_its_quantity_and_back(widths):
    net = Network(parse_spec(str(widths.count(",")), widths))
    symbols = [*net.x, *net.y, *net.parameters()]
    for layer in range(1, net.depth + 1):
        symbols += [*net.z[layer], *net.a[layer], *net.delta[layer]]
    for symbol in symbols:
        quantity = scalar_quantity(symbol.name)
        assert isinstance(quantity, sympy.Indexed)
        assert indexed.scalar(net, quantity) == symbol


@pytest.mark.parametrize(
    "name",
    [
        "w3_1",
        "b3_1_2",
        "x1",
        "z_1",
        "w0_1_1",
        "delta3",
        "q1_1",
        "E",
        "x1_2",
        "w01_1_1",
        "a2_",
        "x_1_2",
    ],
)
def test_other_names_name_nothing(name):
    assert scalar_quantity(name) is None


def test_each_rule_is_stated_for_exactly_its_layers():
    layers = network.rule_layers(3, bias=False)
    assert layers == {
        "output delta": {3},
        "hidden delta": {1, 2},
        "weight gradient": {1, 2, 3},
        "bias gradient": set(),
    }
