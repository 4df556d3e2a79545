"""Each theorem's name and what it states, in words: one table for the
theorem programs that prove them and the certificate checker that reads
them back (:mod:`proofs.verify`), so that an edited statement is caught."""

from __future__ import annotations

INDEX_FORM = "index-form rules"
OUTPUT_LAYER = "output layer"
HIDDEN_LAYERS = "hidden layers"
PARAMETERS = "weights and biases"
PATHS = "sum over paths (L = 3)"
WALKTHROUGH = "chain rule, step by step"
EXPANDED = "expanded chain rule"
GENERAL = "all depths and widths"
GENERAL_SOFTMAX = "all depths and widths, softmax output"
PRINTING = "printed forms of trainer.py"

STATEMENTS = {
    INDEX_FORM: (
        "the rules for δ^L_j, δ^l_j, ∂E/∂w^l_jk and ∂E/∂b^l_j in index form, at every layer "
        "each is stated for (units symbolic, sums unevaluated, widths concrete; the finite "
        "chain rule)"
    ),
    OUTPUT_LAYER: (
        "δ^L_j = ∂E/∂z^L_j = ∂ℓ/∂ŷ(a^L_j, y_j)·f_L'(z^L_j), or for a softmax output "
        "Σ_k ∂ℓ/∂ŷ(a^L_k, y_k)·a^L_k([k = j] − a^L_j)"
    ),
    HIDDEN_LAYERS: "δ^l_j = ∂E/∂z^l_j = f_l'(z^l_j) Σ_i w^{l+1}_ij δ^{l+1}_i",
    PARAMETERS: "∂E/∂w^l_jk = δ^l_j a^{l−1}_k, ∂E/∂b^l_j = ±δ^l_j (− for thresholds)",
    PATHS: (
        "L = 3: for every first-layer weight, ∂E/∂w¹_jk is the sum over paths j → h → o of "
        "x_k f'(z¹_j) w²_hj f'(z²_h) w³_oh f'(z³_o) ∂ℓ/∂a³_o; grouped by the first edge j → h "
        "it is x_k δ¹_j (units symbolic, the finite chain rule)"
    ),
    WALKTHROUGH: (
        "each factor of the write-up's chains is the derivative of its node's definition "
        "(or, for a softmax output, its error ∂E/∂z^L_i by the output lemma); "
        "for every unit, the long chain summed over the units above equals ∂E/∂w^l_jk by "
        "the finite chain rule and, grouped, δ^l_j a^{l−1}_k (sums unevaluated; up to 16 "
        "layers above the weight)"
    ),
    EXPANDED: "∂E/∂p of the expanded loss = the δ-recursion gradient, for every parameter p",
    PRINTING: (
        "each form trainer.py prints instead of a proved one is equal to it: "
        "σ(u) = (1 + tanh(u/2))/2, log σ(u) = −softplus(−u), log(1 − σ(u)) = −softplus(u), "
        "a softmax with its row maximum m subtracted, e^{u−m}/Σ_k e^{v_k−m} = e^u/Σ_k e^{v_k}, "
        "log(e^u/T) = u − log T, and the output error cancelled, where the trainer uses them"
    ),
    GENERAL: (
        "for every depth L, widths n_0..n_L, differentiable f and ℓ: "
        "δ^L_j = ∂₁ℓ(a^L_j, y_j) f'(z^L_j), δ^l_j = f'(z^l_j) Σ_i w^{l+1}_ij δ^{l+1}_i, "
        "∂E/∂w^l_jk = δ^l_j a^{l−1}_k, ∂E/∂b^l_j = δ^l_j"
    ),
    GENERAL_SOFTMAX: (
        "for every depth L, widths n_0..n_L, differentiable f and ℓ, and a softmax output "
        "a^L_j = e^{z^L_j} / Σ_k e^{z^L_k}: "
        "δ^L_j = a^L_j (∂₁ℓ(a^L_j, y_j) − Σ_k a^L_k ∂₁ℓ(a^L_k, y_k)), and the hidden, "
        "weight and bias rules as for any output"
    ),
}
