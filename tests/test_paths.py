"""Theorem (d): the sum over paths, and its regrouping into the recursion."""

from __future__ import annotations

from test_per_unit import HIDDEN_MUTANTS, mutant_derivation

from derive.cli import main
from derive.derivation.gradients import Derivation
from derive.model.network import Network
from derive.spec.network import parse_spec
from proofs import paths
from proofs.paths import path_sum, prove_paths


def test_the_sum_over_paths_is_the_expanded_chain_rule_and_regroups_into_the_recursion():
    derivation = Derivation(Network(parse_spec("3", "2,3,2,2", "tanh", "bce")))
    outcome = prove_paths(derivation)
    assert outcome.holds, outcome.failure
    assert len(path_sum(derivation, 1, 1).args) == 2 * 2  # one term per path h, o


def test_a_wrong_recursion_does_not_regroup():
    network = Network(parse_spec("3", "2,3,2,2"))
    wrong = mutant_derivation(network, hidden=HIDDEN_MUTANTS["f' dropped"])
    assert not prove_paths(wrong).holds


def test_prove_paths_from_the_command_line(capsys):
    assert main(["prove", "--layers", "3", "--widths", "1,2,2,1", "--paths"]) == 0
    out = capsys.readouterr().out
    assert "Sum over paths (2 paths" in out and "proved: sum over paths" in out
    assert main(["prove", "--layers", "2", "--paths"]) == 2


# The cost model (issue 16): a path's product f₁'·f₂'·f₃'·∂ℓ/∂ŷ is multiplied
# out by the kernel's algebra, so its term count decides the cost.


def _network(widths, activation, loss="mse"):
    return Network(parse_spec("3", widths, activation, loss))


def test_a_paths_terms_are_counted_on_the_tree_without_expanding():
    # σ' = σ(1 − σ): 1·2 terms; identity' = 1; (x·σ(x))' = σ + x·σ(1 − σ): 1 + 2;
    # mse: ŷ − y, 2 terms; bce: −y/ŷ + (1 − y)/(1 − ŷ) with (1 − y) a sum: 1 + 2.
    assert paths.path_terms(_network("1,2,2,1", "sigmoid,identity,sigmoid")) == 2 * 1 * 2 * 2
    assert paths.path_terms(_network("1,2,2,1", "x*sigmoid(x),identity,identity")) == 3 * 2
    assert paths.path_terms(_network("1,2,2,1", "identity", "bce")) == 3
    # The product rule on four linear and four quadratic factors: four terms
    # 1·2³·3⁴ (a linear factor differentiated) and four 2⁴·3³·2 (a quadratic
    # one, to 1 + 2x): 6 048 terms, times 2 for mse; counted, never expanded.
    big = "(1+x)*(2+x)*(3+x)*(4+x)*(1+x+x^2)*(2+x+x^2)*(3+x+x^2)*(4+x+x^2)"
    terms = paths.path_terms(_network("1,1,1,1", f"{big},identity,identity"))
    assert terms == (4 * 2**3 * 3**4 + 4 * 2**4 * 3**3 * 2) * 2


def test_the_cost_model_decides_which_parts_run():
    # The issue's network (x·σ(x), x/(1+|x|), σ, bce) is proved whole at 2,8,8,1.
    issue = _network("2,8,8,1", "x*sigmoid(x),x/(1+abs(x)),sigmoid", "bce")
    assert paths.feasible(issue) is None and paths.writes_out(issue) is None
    # Three-term activations whose derivatives have ten terms: 10·10·10·3 terms
    # a path; the theorem runs, its sum written out for 8 paths does not.
    heavy = "log(cosh(x))*sin(x)/(1+x^2)+atan(x*exp(-x^2))*sqrt(1+x^2)*erf(x/2)+x*tanh(softplus(x))"
    network = _network("2,8,8,1", heavy, "bce")
    assert paths.feasible(network) is None
    assert "8 paths of 3,000 terms" in paths.writes_out(network)
    # The product of eight sums below: 12 096 terms a path, too many for the theorem.
    big = "(1+x)*(2+x)*(3+x)*(4+x)*(1+x+x^2)*(2+x+x^2)*(3+x+x^2)*(4+x+x^2)"
    assert "12,096 terms" in paths.feasible(_network("1,1,1,1", f"{big},identity,identity"))
    # More paths than are written out: the theorem runs, the written-out sum does not.
    assert "> 64" in paths.writes_out(_network("2,3,9,8", "sigmoid"))


def test_a_skipped_paths_theorem_is_reported_and_its_certificate_verifies(
    tmp_path, capsys, monkeypatch
):
    from proofs.verify import verify

    monkeypatch.setattr(paths, "SECONDS_LIMIT", 0.0)  # every network is too costly
    assert main(["--layers", "3", "--widths", "1,2,2,1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "sum over paths proof not run: estimated" in out
    assert "proved: sum over paths" not in out
    assert "sec:paths" not in (tmp_path / "derivation.tex").read_text()
    holds, lines = verify(tmp_path / "certificate.json")
    assert holds, lines


def test_a_written_out_sum_too_costly_to_compare_is_reported(capsys, monkeypatch):
    network = _network("1,2,3,1", "sigmoid")
    units, shown = paths.cost(network)
    assert units < shown  # six paths: the written-out part costs more
    monkeypatch.setattr(paths, "SECONDS_LIMIT", (units + shown) / 2)
    assert main(["prove", "--layers", "3", "--widths", "1,2,3,1", "--paths"]) == 0
    out = capsys.readouterr().out
    assert "proved: sum over paths" in out
    assert "sum over paths for w¹₁₁ not compared written out: estimated" in out
