"""The matrix form's names: formed once, read back exactly, printed from notation."""

from __future__ import annotations

import pytest
import sympy

from derive.derivation import indexed
from derive.model.network import Network
from derive.notation import matrices
from derive.spec.network import parse_spec


def test_every_matrix_symbol_reads_back_as_what_it_was_made_for():
    net = Network(parse_spec("3", "2,3,4,1"))
    for layer in range(1, 4):
        for symbol in indexed.matrix_symbols(net, layer).values():
            kind, at = matrices.matrix_quantity(symbol)
            assert (at is None) == (kind == "grad")
            assert matrices.matrix(kind, at, *symbol.shape) == symbol


@pytest.mark.parametrize("name", ["W", "W03", "Wx", "dE/dW", "delta", "q3", "grad"])
def test_other_matrix_names_name_nothing(name):
    symbol = sympy.MatrixSymbol(name, 1, 1)
    assert matrices.matrix_quantity(symbol) is None
    assert matrices.unicode(symbol) is None
    assert matrices.latex(symbol, "E") is None


def test_the_stored_names_and_their_printed_forms():
    made = {kind: matrices.matrix(kind, 2, 1, 1) for kind in ("W", "a", "dW", "db", "grad")}
    assert [m.name for m in made.values()] == ["W2", "a2", "dE/dW2", "dE/db2", "grad_E"]
    assert matrices.unicode(made["dW"]) == "∂E/∂W²"
    assert matrices.latex(made["db"], "E_k") == r"\frac{\partial E_k}{\partial b^{2}}"
    assert matrices.unicode(matrices.matrix("a", 0, 1, 1)) == "x"
    assert matrices.latex(made["grad"], "E") == r"\nabla E"
