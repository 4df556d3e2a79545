"""certificate.json is written by the main job and replayed by
`python -m proofs verify` with the kernel alone; every tampering is refused.

The edits below re-hash the certificate after editing it, as a forger
would: what must catch them is the replay and the reading of the claims,
not the hash (one test checks the hash on its own)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import message_lines

from derive.cli import main
from proofs.__main__ import main as proofs_main
from proofs.certificate import CHECKER
from proofs.verify import digest

ROOT = Path(__file__).resolve().parent.parent


def verify(path):
    return subprocess.run(
        [sys.executable, "-m", "proofs", "verify", str(path)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=300,
    )


def verify_in_process(doc, folder, capsys, rehash=True):
    """Write ``doc`` (re-hashed unless told not to) and verify it here:
    (exit code, stdout, stderr)."""
    if rehash and isinstance(doc, dict):
        doc["sha256"] = digest(doc)
    path = folder / "certificate.json"
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    code = proofs_main(["verify", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    args = ["--layers", "3", "--widths", "2,3,2,2", "--activation", "tanh,x/(1+abs(x)),sigmoid"]
    assert main([*args, "--loss", "bce", "--out", str(folder)]) == 0
    return folder / "certificate.json"


@pytest.fixture
def doc(certificate):
    return json.loads(certificate.read_text())


def test_the_certificate_records_theorems_and_trusted_base(doc):
    assert [t["name"] for t in doc["theorems"]] == [
        "index-form rules",
        "output layer",
        "hidden layers",
        "weights and biases",
        "sum over paths (L = 3)",
        "all depths and widths",
        "chain rule, step by step",
        "printed forms of trainer.py",
    ]
    assert all(t["holds"] and t["conclusions"] for t in doc["theorems"])
    base = doc["trusted_base"]
    # the general theorem's alone: the chain rule for δ^l, w^l and b^l, and the induction
    assert base["kernel_steps"]["assumed"] == 4
    assert set(base["assumed"]) == {
        "multivariable chain rule for a symbolic number of variables",
        "downward induction over the layers l = L−1, …, 1",
    }
    assert base["sympy_version"]
    kernel_folder = ROOT / "proofs" / "kernel"
    assert set(base["kernel_modules"]) == {
        f"proofs/kernel/{path.name}" for path in kernel_folder.glob("*.py")
    }
    assert base["rules"]["finite chain rule"] > 0
    assert "proofs/verify.py" in base["checker_modules"]
    assert all((ROOT / name).is_file() for name in base["checker_modules"])
    assert sum(base["rules"].values()) == sum(base["kernel_steps"].values())
    steps = sum(len(proof["steps"]) for proof in doc["proof"])
    assert steps == sum(base["kernel_steps"].values())


def test_verify_replays_every_theorem_from_scratch(certificate):
    result = verify(certificate)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok:") == 8
    assert "not re-checked" not in result.stdout
    assert "replayed" in result.stdout


def test_verify_loads_neither_the_model_nor_the_derivation_nor_the_theorems(certificate):
    code = (
        "import json, sys; from proofs.verify import verify; "
        f"assert verify({str(certificate)!r})[0]; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('derive', 'proofs')))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    for module in (
        "derive.model",
        "derive.derivation",
        "proofs.index_form",
        "proofs.per_unit",
        "proofs.paths",
        "proofs.walkthrough",
        "proofs.general",
        "proofs.certificate",
        "proofs.run",
    ):
        assert module not in loaded, module
    # Whatever module the checker loads, besides the kernel, the packages and
    # the error and progress lines, is trusted: its hash is in the certificate.
    modules = {
        module
        for module in loaded
        if not module.startswith(("proofs.kernel", "derive.support"))
        and not (ROOT / module.replace(".", "/") / "__init__.py").is_file()
        and module != "proofs.__main__"
    }
    hashed = {name.removesuffix(".py").replace("/", ".") for name in CHECKER}
    assert modules <= hashed, sorted(modules - hashed)


def test_a_trainer_printed_as_proved_records_no_printed_forms(tmp_path):
    assert main(["--layers", "2", "--activation", "identity", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "certificate.json").read_text())
    assert "printed forms of trainer.py" not in [t["name"] for t in doc["theorems"]]
    assert verify(tmp_path / "certificate.json").returncode == 0


def test_an_unreadable_certificate_is_bad_input(tmp_path):
    broken = tmp_path / "certificate.json"
    broken.write_text("{not json")
    result = verify(broken)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_changed_hash_alone_is_refused(doc, tmp_path, capsys):
    doc["sha256"] = "0" * 64
    code, out, _ = verify_in_process(doc, tmp_path, capsys, rehash=False)
    assert code == 1 and "hash" in out


def test_a_certificate_without_theorems_verifies_nothing(doc, tmp_path, capsys):
    doc["theorems"] = []
    code, out, _ = verify_in_process(doc, tmp_path, capsys)
    assert code == 3 and "nothing to verify" in out


def test_a_large_networks_certificate_holds_the_index_form_rules(tmp_path):
    widths = ",".join(["12"] * 9)  # 1 248 parameters: no per-unit proof
    assert main(["--layers", "8", "--widths", widths, "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "certificate.json").read_text())
    assert [t["name"] for t in doc["theorems"]] == [
        "index-form rules",
        "all depths and widths",
        "chain rule, step by step",
        "printed forms of trainer.py",
    ]
    assert doc["claims"]["gradients"] == {}
    result = verify(tmp_path / "certificate.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: index-form rules (24 conclusions" in result.stdout


# -- tampering: each edit below must give exit 1 or 2, never 0 --------------------------------


def _nodes_of(doc, kind):
    return [i for i, node in enumerate(doc["nodes"]) if node[0] == kind]


def _step(doc, rule, kernel=0):
    return next(s for s in doc["proof"][kernel]["steps"] if s["rule"] == rule)


def _rule(doc, name):
    return next(r for r in doc["claims"]["rules"] if r["name"] == name)


def _theorem(doc, name):
    return next(t for t in doc["theorems"] if t["name"] == name)


def _integer_changed(doc):
    node = next(n for n in doc["nodes"] if n[0] == "Integer" and n[1] == "2")
    node[1] = "3"


def _index_arguments_swapped(doc):
    """δ[3, j] → δ[j, 3], on the output rule's left side."""
    equation = doc["nodes"][_rule(doc, "output delta")["equation"]]
    lhs = doc["nodes"][equation[1]]
    lhs[2], lhs[3] = lhs[3], lhs[2]


def _weight_indices_swapped(doc):
    """w[l, j, k] → w[l, k, j] wherever that node is used."""
    nodes = doc["nodes"]

    def base_name(node):
        base = nodes[node[1]]
        return base[0] == "IndexedBase" and nodes[base[1]][1]

    node = next(n for n in nodes if n[0] == "Indexed" and len(n) == 5 and base_name(n) == "w")
    node[3], node[4] = node[4], node[3]


def _add_to_mul(doc):
    node = next(n for n in doc["nodes"] if n[0] == "Add")
    node[0] = "Mul"


def _rule_name_changed(doc):
    _step(doc, "transitivity")["rule"] = "symmetry"


def _premise_changed(doc):
    step = _step(doc, "transitivity")
    step["arguments"]["first"]["fact"] -= 1


def _conclusion_changed(doc):
    step = _step(doc, "chain_rule")
    step["conclusion"]["rhs"] = step["conclusion"]["lhs"]


def _step_dropped(doc):
    steps = doc["proof"][0]["steps"]
    del steps[len(steps) // 2]


def _activation_changed(doc):
    doc["spec"]["activations"][0] = "sigmoid"  # the proofs are of tanh


def _loss_changed(doc):
    doc["spec"]["loss"] = "mse"


def _widths_changed(doc):
    doc["spec"]["widths"][2] = 3


def _bias_flipped(doc):
    doc["spec"]["bias"] = False


def _bias_sign_flipped(doc):
    doc["spec"]["bias_sign"] = -1


def _layer_dropped(doc):
    _rule(doc, "weight gradient")["layers"].pop(0)


def _holds_flipped(doc):
    _theorem(doc, "hidden layers")["holds"] = False


def _theorem_invented(doc):
    doc["theorems"].append(
        dict(_theorem(doc, "output layer"), name="softmax outputs", conclusions=[])
    )


def _formulas_deleted(doc):
    doc["claims"]["gradients"] = {}


def _statement_edited(doc):
    _theorem(doc, "hidden layers")["statement"] = "δ^l_j = 0"


def _formula_swapped(doc):
    gradients = doc["claims"]["gradients"]
    gradients["w2_1_1"] = gradients["w2_1_2"]


def _delta_formula_swapped(doc):
    deltas = doc["claims"]["deltas"]
    deltas["delta1_1"] = deltas["delta1_2"]


def _symbol_renamed(doc):
    for node in doc["nodes"]:
        if node[:2] == ["Symbol", "w3_1_2"]:
            node[1] = "w3_2_2"


def _rule_equation_swapped(doc):
    _rule(doc, "weight gradient")["equation"] = _rule(doc, "bias gradient")["equation"]


def _width_a_float(doc):
    doc["spec"]["widths"][1] = 2.7


def _width_huge(doc):
    doc["spec"]["widths"][1] = 10**6


def _width_astronomical(doc):
    doc["spec"]["widths"][1] = 10**400


def _conclusion_a_string(doc):
    _theorem(doc, "output layer")["conclusions"][0] = "1"


def _node_id_out_of_range(doc):
    _rule(doc, "hidden delta")["equation"] = len(doc["nodes"]) + 5


def _node_id_a_float(doc):
    node = next(n for n in doc["nodes"] if n[0] == "Add")
    node[1] = float(node[1])


def _unknown_rule(doc):
    _step(doc, "algebra")["rule"] = "eval"


def _argument_kind_changed(doc):
    step = _step(doc, "algebra")
    step["arguments"]["lhs"] = {"str": "x"}


def _loss_definition_zeroed(doc):
    """E := 0 in every kernel, the conclusions kept: no longer the spec's network."""
    define = _step(doc, "define")
    value = define["arguments"]["value"]["expr"]
    doc["nodes"][value] = ["Integer", "0"]


def _trust_changed(doc):
    _step(doc, "chain_rule")["conclusion"]["trust"] = "elementary"


def _assumption_added(doc):
    _step(doc, "algebra")["conclusion"]["assumptions"] = ["everything holds"]


def _kernel_changed(doc):
    _theorem(doc, "output layer")["kernel"] = 2


def _conclusions_emptied(doc):
    _theorem(doc, "weights and biases")["conclusions"] = []


def _conclusion_pointed_elsewhere(doc):
    theorem = _theorem(doc, "output layer")
    theorem["conclusions"] = [0 for _ in theorem["conclusions"]]


def _printed_forms_lean_on_a_definition(doc):
    """A definition slipped into the printed forms' kernel, before its identities."""
    theorem = _theorem(doc, "printed forms of trainer.py")
    steps = doc["proof"][theorem["kernel"]]["steps"]
    define = copy.deepcopy(_step(doc, "define"))
    steps.insert(0, define)
    theorem["conclusions"] = [index + 1 for index in theorem["conclusions"]]


def _empty_layers_rule(doc):
    """A rule for no layer at all, which no layer loop would look at."""
    doc["claims"]["rules"].append(dict(_rule(doc, "bias gradient"), layers=[]))


def _only_replayed_theorems(doc):
    doc["theorems"] = [t for t in doc["theorems"] if t["name"] not in ("index-form rules",)]


def _function_named_like_sigmoid(doc):
    doc["nodes"].append(["Function", "sigmoid", {}])


def _quantity_relabelled(doc):
    """The network's a made a second, unassumed a: it prints alike."""
    node = next(n for n in doc["nodes"] if n[:2] == ["Symbol", "a"])
    node[2] = {}


def _deep_nesting(doc):
    return "[" * 100_000 + "]" * 100_000


def _a_json_array(doc):
    return "[1, 2, 3]"


def _null(doc):
    return "null"


def _truncated(doc):
    return json.dumps(doc)[: len(json.dumps(doc)) // 2]


TAMPERINGS = [
    _integer_changed,
    _index_arguments_swapped,
    _weight_indices_swapped,
    _add_to_mul,
    _rule_name_changed,
    _premise_changed,
    _conclusion_changed,
    _step_dropped,
    _activation_changed,
    _loss_changed,
    _widths_changed,
    _bias_flipped,
    _bias_sign_flipped,
    _layer_dropped,
    _holds_flipped,
    _theorem_invented,
    _formulas_deleted,
    _statement_edited,
    _formula_swapped,
    _delta_formula_swapped,
    _symbol_renamed,
    _rule_equation_swapped,
    _width_a_float,
    _width_huge,
    _width_astronomical,
    _conclusion_a_string,
    _node_id_out_of_range,
    _node_id_a_float,
    _unknown_rule,
    _argument_kind_changed,
    _loss_definition_zeroed,
    _trust_changed,
    _assumption_added,
    _kernel_changed,
    _conclusions_emptied,
    _conclusion_pointed_elsewhere,
    _printed_forms_lean_on_a_definition,
    _empty_layers_rule,
    _only_replayed_theorems,
    _function_named_like_sigmoid,
    _quantity_relabelled,
    _deep_nesting,
    _a_json_array,
    _null,
    _truncated,
]


def test_there_are_at_least_thirty_distinct_tamperings():
    assert len(set(TAMPERINGS)) >= 30


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda t: t.__name__.strip("_"))
def test_a_tampered_certificate_is_refused_in_one_line(doc, tmp_path, capsys, tamper):
    original = copy.deepcopy(doc)
    edited = tamper(doc)
    if edited is None:
        assert json.dumps(doc) != json.dumps(original), "the edit changed nothing"
        edited = doc
    code, out, err = verify_in_process(edited, tmp_path, capsys)
    assert code in (1, 2), out + err
    assert "Traceback" not in out + err
    message = out if code == 1 else err
    assert len(message_lines(message)) == 1, message


# -- forgeries made with the kernel itself (routes a reviewer found, each refused) ------------


def _forge(doc, extend):
    """Replay the certificate, let ``extend(kernels, nodes)`` apply more rules
    to its kernels (returning {theorem name: [new conclusions]} and
    {rule name: new equation}), and store it all again, re-hashed later."""
    import sympy  # noqa: F401  (the forgeries build expressions)

    from proofs import replay
    from proofs.kernel.codec import Encoder, decode

    nodes = decode(doc["nodes"])
    kernels = replay.replay(doc["proof"], nodes)
    conclusions, equations = extend(kernels, nodes)
    encoder = Encoder()
    doc["proof"], where = replay.encode(kernels, encoder)
    for theorem in doc["theorems"]:
        theorem["conclusions"] += [where[id(f)][1] for f in conclusions.get(theorem["name"], [])]
    for rule in doc["claims"]["rules"]:
        equation = equations.get(rule["name"], nodes[rule["equation"]])
        rule["equation"] = encoder.add(equation)
    for group in ("deltas", "gradients"):
        claims = doc["claims"][group]
        for name in claims:
            claims[name] = encoder.add(nodes[claims[name]])
    doc["nodes"] = encoder.nodes


def test_a_conclusion_under_a_condition_that_pins_the_unit_is_no_rule(doc, tmp_path, capsys):
    """F = j·F under 1 ≤ j ≤ 1, chained: δ³_j = j·F holds only at j = 1."""
    import sympy

    from derive.notation.quantities import J, delta

    def extend(kernels, nodes):
        kernel = kernels[_theorem(doc, "index-form rules")["kernel"]]
        fact = next(
            kernel.steps[i].fact
            for i in _theorem(doc, "index-form rules")["conclusions"]
            if kernel.steps[i].fact.lhs == delta[3, J]
        )
        pinned = kernel.algebra(fact.rhs, J * fact.rhs, [sympy.Q.le(1, J), sympy.Q.le(J, 1)])
        wrong = kernel.transitivity(fact, pinned)
        equation = sympy.Eq(delta[3, J], J * fact.rhs, evaluate=False)
        return {"index-form rules": [wrong]}, {"output delta": equation}

    # the stored rule uses the program's symbols for l and n; state it at layer 3 as stored
    _forge(doc, extend)
    _rule(doc, "output delta")["layers"] = [3]
    code, out, _ = verify_in_process(doc, tmp_path, capsys)
    assert code == 1 and "output delta rule at layer 3 is not what was proved" in out


def test_an_index_without_indices_is_unreadable_not_a_traceback(doc, tmp_path, capsys):
    base = next(i for i, n in enumerate(doc["nodes"]) if n[0] == "IndexedBase")
    doc["nodes"].append(["Indexed", base])
    code, _, err = verify_in_process(doc, tmp_path, capsys)
    assert code == 2 and "cannot be built" in err


def test_a_huge_power_of_a_number_is_refused_when_read(doc, tmp_path, capsys):
    doc["nodes"] += [["Integer", "2"], ["Integer", "10000000000"]]
    count = len(doc["nodes"])
    doc["nodes"].append(["Pow", count - 2, count - 1])
    code, _, err = verify_in_process(doc, tmp_path, capsys)
    assert code == 2 and "power" in err


def test_a_step_far_slower_than_when_it_was_proved_is_refused(doc, tmp_path, capsys, monkeypatch):
    """An edited step SymPy would expand for half a minute: (p₀ + … + p₅)²⁴."""
    import sympy

    from proofs import replay

    monkeypatch.setattr(replay, "STEP_BUDGET_FLOOR", 0.5)
    p = sympy.symbols("p0:6")
    power = sum(p) ** 24

    def extend(kernels, nodes):
        return {}, {}

    _forge(doc, extend)
    from proofs.kernel.codec import Encoder, decode

    nodes = decode(doc["nodes"])
    encoder = Encoder()
    for node in nodes:
        encoder.add(node)
    step = {
        "rule": "algebra",
        "arguments": {
            "lhs": {"expr": encoder.add(power)},
            "rhs": {"expr": encoder.add(sympy.Integer(1))},
        },
        "conclusion": _step(doc, "algebra")["conclusion"],
        "seconds": 0.0,
    }
    doc["nodes"] = encoder.nodes
    doc["proof"].append({"steps": [step]})
    code, out, _ = verify_in_process(doc, tmp_path, capsys)
    assert code == 1 and "still running after" in out
