"""Theorem (c): all depths and widths, with the assumptions it names."""

from __future__ import annotations

import pytest
import sympy

from derive.derivation.indexed import LAYER, J, K, a, delta, n, w, z
from derive.spec.registry import fprime
from proofs.general import CHAIN_RULE, INDUCTION, GeneralProof


def test_the_general_theorem_is_proved_and_names_its_assumptions():
    proof = GeneralProof()
    outcome = proof.run()
    assert outcome.holds, outcome.failure
    assert set(proof.kernel.assumed) == {CHAIN_RULE, INDUCTION}
    assert proof.kernel.report()["assumed"] >= 2


WRONG = {
    "hidden delta": fprime(z[LAYER, J])
    * sympy.Sum(w[LAYER + 1, J, K] * delta[LAYER + 1, K], (K, 1, n[LAYER + 1])),
    "weight gradient": delta[LAYER, J] * a[LAYER, K],
    "bias gradient": -delta[LAYER, J],
    "output delta": fprime(z[3, J]),
}


@pytest.mark.parametrize("rule", sorted(WRONG))
def test_a_wrong_index_form_rule_is_rejected(rule):
    proof = GeneralProof()
    proof.program[rule] = sympy.Eq(proof.program[rule].lhs, WRONG[rule], evaluate=False)
    outcome = proof.run()
    assert not outcome.holds
    assert "differ" in outcome.failure
