"""Theorem (d): the sum over paths, and its regrouping into the recursion."""

from __future__ import annotations

from test_layered_proof import HIDDEN_MUTANTS, mutant_derivation

from derive.cli import main
from derive.gradients import Derivation
from derive.model import Network
from derive.spec import parse_spec
from proofs.paths import path_sum, prove_paths


def test_the_sum_over_paths_is_the_expanded_chain_rule_and_regroups_into_the_recursion():
    derivation = Derivation(Network(parse_spec("3", "2,3,2,2", "tanh", "bce")))
    verdict = prove_paths(derivation)
    assert verdict.holds, verdict.failure
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
