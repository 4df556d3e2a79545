"""For L = 2 the derived gradients are the seed's and the watermelon book's.

The closed forms below are typed from the source note and from Zhou's
*Machine Learning* §5.3, not from this program's output.
"""

from __future__ import annotations

import pytest
import sympy

from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.notation.naming import notation
from derive.notation.quantities import n as widths
from derive.present.presentation import Presentation
from derive.spec.network import parse_spec
from proofs.kernel import algebra

ETA = sympy.Symbol("eta", positive=True)


def forward_values(network):
    _, a = network.forward_expanded
    return a[1], a[2]  # b_h, ŷ_j


def test_seed_closed_forms_without_biases():
    """ΔW_hj = −η(ŷ_j−y_j)ŷ_j(1−ŷ_j)b_h and
    Δv_ih = −η b_h(1−b_h) x_i Σ_j (ŷ_j−y_j)ŷ_j(1−ŷ_j) W_hj."""
    network = Network(parse_spec("2", "2,3,2", "sigmoid", "mse", bias=False))
    derivation = Derivation(network)
    hidden, yhat = forward_values(network)
    x, y = network.x, network.y
    W = lambda h, j: network.weights[2][j][h]  # noqa: E731  w_hj = w²_jh
    v = lambda i, h: network.weights[1][h][i]  # noqa: E731  v_ih = w¹_hi
    for h in range(3):
        for j in range(2):
            seed = -ETA * (yhat[j] - y[j]) * yhat[j] * (1 - yhat[j]) * hidden[h]
            assert algebra.equal(-ETA * derivation.expanded_gradient(W(h, j)), seed)
        for i in range(2):
            total = sum((yhat[j] - y[j]) * yhat[j] * (1 - yhat[j]) * W(h, j) for j in range(2))
            seed = -ETA * hidden[h] * (1 - hidden[h]) * x[i] * total
            assert algebra.equal(-ETA * derivation.expanded_gradient(v(i, h)), seed)


def test_watermelon_book_updates_with_thresholds():
    """g_j = ŷ_j(1−ŷ_j)(y_j−ŷ_j), e_h = b_h(1−b_h) Σ_j w_hj g_j,
    Δw_hj = η g_j b_h, Δθ_j = −η g_j, Δv_ih = η e_h x_i, Δγ_h = −η e_h."""
    network = Network(parse_spec("2", "2,3,2"), bias_sign=-1)
    derivation = Derivation(network)
    hidden, yhat = forward_values(network)
    x, y = network.x, network.y
    w = lambda h, j: network.weights[2][j][h]  # noqa: E731
    g = [yhat[j] * (1 - yhat[j]) * (y[j] - yhat[j]) for j in range(2)]
    e = [hidden[h] * (1 - hidden[h]) * sum(w(h, j) * g[j] for j in range(2)) for h in range(3)]
    theta, gamma = network.biases[2], network.biases[1]
    update = lambda p: -ETA * derivation.expanded_gradient(p)  # noqa: E731
    for j in range(2):
        assert algebra.equal(update(theta[j]), -ETA * g[j])
        for h in range(3):
            assert algebra.equal(update(w(h, j)), ETA * g[j] * hidden[h])
    for h in range(3):
        assert algebra.equal(update(gamma[h]), -ETA * e[h])
        for i in range(2):
            assert algebra.equal(update(network.weights[1][h][i]), ETA * e[h] * x[i])


def test_printed_xigua_formulas_are_the_books():
    """The equations the xigua report prints for g_j, e_h and the updates,
    taken as SymPy objects, equal the book's formulas."""
    network = Network(parse_spec("2", "2,3,2"), bias_sign=-1)
    presentation = Presentation(Derivation(network), notation("xigua"))
    formulas = [f.equation for f in presentation.per_layer().formulas]
    letters = {s.name: s for f in formulas for s in f.free_symbols if s.name in "ihj"}
    delta = sympy.IndexedBase("delta", real=True)
    a, y, w = (sympy.IndexedBase(name, real=True) for name in ("a", "y", "w"))
    i, h, j = (letters[c] for c in "ihj")
    g_j, e_h = delta[2, j], delta[1, h]  # printed as g_j and e_h
    yhat, b_h = a[2, j], a[1, h]
    book = {
        g_j: yhat * (1 - yhat) * (y[j] - yhat),
        e_h: b_h * (1 - b_h) * sympy.Sum(w[2, j, h] * g_j, (j, 1, widths[2])),
    }
    found = {f.lhs: f.rhs for f in formulas}
    for lhs, expected in book.items():
        assert sympy.simplify(found[lhs] - expected) == 0, lhs
    increments = {str(f.lhs.args[0]): f.rhs for f in formulas if f.lhs.func.__name__ == "Delta"}
    assert sympy.expand(increments["w[2, j, h]"] - ETA * g_j * b_h) == 0
    assert sympy.expand(increments["b[2, j]"] - (-ETA * g_j)) == 0
    assert sympy.expand(increments["w[1, h, i]"] - ETA * e_h * a[0, i]) == 0
    assert sympy.expand(increments["b[1, h]"] - (-ETA * e_h)) == 0


def test_xigua_needs_two_layers():
    from derive.support.errors import InputError

    with pytest.raises(InputError, match="--layers 2"):
        Presentation(Derivation(Network(parse_spec("3"))), notation("xigua"))


def test_the_books_write_up_and_report_answer_any_number_of_hidden_layers(tmp_path, capsys):
    """The seed's open question (the recursion for any depth) in the book's
    own document: its names in the layer notation, then the theorem."""
    from derive.cli import main

    out = tmp_path / "out"
    assert main(["--notation", "xigua", "--out", str(out)]) == 0
    report = capsys.readouterr().out
    # The forward pass in the book's names, α_h and β_j included (issue 18).
    for line in ("αₕ = Σᵢ₌₁^d xᵢ·vᵢₕ", "bₕ = σ(αₕ − γₕ)", "βⱼ = Σₕ₌₁^q bₕ·wₕⱼ", "ŷⱼ = σ(βⱼ − θⱼ)"):
        assert line in report, line
    section = report[report.index("Any number of hidden layers") :]
    # The theorem adds its biases: z²ⱼ = βⱼ − θⱼ = Σ w a + b²ⱼ makes b²ⱼ = −θⱼ.
    for line in ("vᵢₕ = w¹ₕᵢ", "wₕⱼ = w²ⱼₕ", "bₕ = a¹ₕ", "gⱼ = -δ²ⱼ", "eₕ = -δ¹ₕ", "θⱼ = -b²ⱼ"):
        assert line in section, line
    assert "δˡⱼ = f′(zˡⱼ)·Σᵢ₌₁^(nₗ₊₁) δˡ⁺¹ᵢ·wˡ⁺¹ᵢⱼ" in section
    tex = (out / "derivation.tex").read_text()
    part = tex[tex.index(r"\section{Any number of hidden layers}") :]
    assert r"$v_{ih}$ & $w^{1}_{hi}$" in part and r"$g_{j}$ & $- \delta^{2}_{j}$" in part
    assert r"\begin{theorem}[all depths and widths]" in part and "induction" in part
