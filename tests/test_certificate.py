"""certificate.json is written by the main job, re-checked by
`python -m proofs verify`, and a tampered one is rejected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from derive.cli import main

ROOT = Path(__file__).resolve().parent.parent


def verify(path):
    return subprocess.run(
        [sys.executable, "-m", "proofs", "verify", str(path)],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=300,
    )


def verify_edited(doc, folder):
    """Write an edited certificate and verify it."""
    path = folder / "certificate.json"
    path.write_text(json.dumps(doc))
    return verify(path)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    args = ["--layers", "3", "--widths", "2,3,2,2", "--activation", "tanh,x/(1+abs(x)),sigmoid"]
    assert main([*args, "--loss", "bce", "--out", str(folder)]) == 0
    return folder / "certificate.json"


def test_the_certificate_records_theorems_and_trusted_base(certificate):
    doc = json.loads(certificate.read_text())
    assert [t["name"] for t in doc["theorems"]] == [
        "index-form rules",
        "output layer",
        "hidden layers",
        "weights and biases",
        "sum over paths (L = 3)",
        "chain rule, step by step",
    ]
    assert all(t["holds"] for t in doc["theorems"])
    base = doc["trusted_base"]
    assert base["kernel_steps"]["assumed"] == 0
    assert base["sympy_version"]
    kernel_folder = Path(__file__).resolve().parent.parent / "proofs" / "kernel"
    assert set(base["kernel_modules"]) == {
        f"proofs/kernel/{path.name}" for path in kernel_folder.glob("*.py")
    }
    assert base["rules"]["finite chain rule"] > 0
    assert sum(base["rules"].values()) == sum(base["kernel_steps"].values())


def test_verify_rechecks_from_scratch(certificate):
    result = verify(certificate)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok:") == 4


def test_an_edited_formula_is_rejected_and_named(certificate, tmp_path):
    doc = json.loads(certificate.read_text())
    gradients = doc["claims"]["gradients"]
    gradients["w2_1_1"] = gradients["w2_1_2"]  # claim ∂E/∂w²₁₁ = δ²₁ a¹₂
    result = verify_edited(doc, tmp_path)
    assert result.returncode == 1
    assert "FAILED: weights and biases: ∂E/∂w2_1_1" in result.stdout


def test_an_edited_symbol_is_rejected(certificate, tmp_path):
    doc = json.loads(certificate.read_text())
    for node in doc["nodes"]:
        if node[:2] == ["Symbol", "w3_1_2"]:
            node[1] = "w3_2_2"
    result = verify_edited(doc, tmp_path)
    assert result.returncode == 1
    assert "FAILED: hidden layers" in result.stdout


def test_an_unreadable_certificate_is_bad_input(tmp_path):
    broken = tmp_path / "certificate.json"
    broken.write_text("{not json")
    result = verify(broken)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_large_networks_certificate_holds_the_index_form_rules(tmp_path):
    widths = ",".join(["12"] * 9)  # 1 248 parameters: no per-unit proof
    assert main(["--layers", "8", "--widths", widths, "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "certificate.json").read_text())
    assert [t["name"] for t in doc["theorems"]] == ["index-form rules", "chain rule, step by step"]
    assert doc["claims"]["gradients"] == {}
    assert {rule["name"] for rule in doc["claims"]["rules"]} == {
        "output delta",
        "hidden delta",
        "weight gradient",
        "bias gradient",
    }
    result = verify(tmp_path / "certificate.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: index-form rules (24 checks" in result.stdout


def test_an_edited_rule_is_rejected_and_named(certificate, tmp_path):
    doc = json.loads(certificate.read_text())
    for rule in doc["claims"]["rules"]:
        if rule["name"] == "weight gradient":
            rule["equation"] = next(
                r["equation"] for r in doc["claims"]["rules"] if r["name"] == "bias gradient"
            )
    result = verify_edited(doc, tmp_path)
    assert result.returncode == 1
    assert "FAILED: index-form rules: weight gradient" in result.stdout


def test_a_rule_stated_for_too_few_layers_is_rejected(certificate, tmp_path):
    doc = json.loads(certificate.read_text())
    for rule in doc["claims"]["rules"]:
        if rule["name"] == "weight gradient":
            rule["layers"] = rule["layers"][1:]
    result = verify_edited(doc, tmp_path)
    assert result.returncode == 1
    assert "weight gradient rule is stated for layers [2, 3], not [1, 2, 3]" in result.stdout


def test_a_certificate_without_theorems_verifies_nothing(certificate, tmp_path):
    doc = json.loads(certificate.read_text())
    doc["theorems"] = []
    doc["skipped"] = ["no proof was run"]
    result = verify_edited(doc, tmp_path)
    assert result.returncode == 3
    assert "nothing to verify" in result.stdout
