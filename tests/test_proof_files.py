"""Proofs above a configurable size go beside the answer (issue 16): the CLI writes a file, the certificate names it
with its SHA-256, and `latentsat check` takes the inline or the external form and verifies the hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from latentsat.cli import app
from problems.generate import planted_partition

runner = CliRunner()


def unique_instance(tmp_path: Path) -> Path:
    instance, _ = planted_partition(3, 12, 2, 2, n_samples=200, seed=4)
    path = tmp_path / "inst.json"
    path.write_text(json.dumps(instance.to_json_dict()))
    return path


def test_a_proof_over_the_limit_goes_beside_the_bundle_and_checks(tmp_path: Path) -> None:
    instance = unique_instance(tmp_path)
    bundle = tmp_path / "out" / "cert.json"
    bundle.parent.mkdir()
    solved = runner.invoke(
        app, ["solve", str(instance), "--unique", "--bundle", str(bundle), "--inline-proof-max", "100"]
    )
    assert solved.exit_code == 0, solved.output
    certificate = json.loads(solved.stdout)["certificate"]
    assert certificate["proof"] is None and certificate["cnf"] is None
    proof_file, cnf_file = bundle.parent / certificate["proof_file"], bundle.parent / certificate["cnf_file"]
    assert proof_file.suffix == ".drup" and cnf_file.suffix == ".cnf"
    assert hashlib.sha256(proof_file.read_bytes()).hexdigest() == certificate["proof_sha256"]
    assert hashlib.sha256(cnf_file.read_bytes()).hexdigest() == certificate["cnf_sha256"]
    assert json.loads(bundle.read_text())["answer"]["certificate"] == certificate
    checked = runner.invoke(app, ["check", str(bundle)])
    assert checked.exit_code == 0 and json.loads(checked.stdout)["ok"], checked.output

    elsewhere = tmp_path / "moved.json"  # the bundle without its proof beside it
    elsewhere.write_text(bundle.read_text())
    missing = runner.invoke(app, ["check", str(elsewhere)])
    assert missing.exit_code == 1 and "neither `proof` nor a readable `proof_file`" in missing.stdout
    given = runner.invoke(app, ["check", str(elsewhere), "--proof", str(proof_file)])
    assert given.exit_code == 0, given.output

    proof_file.write_text(proof_file.read_text().replace("\n", "\n\n", 1))  # same lemmas, other bytes
    tampered = runner.invoke(app, ["check", str(bundle)])
    assert tampered.exit_code == 1 and "proof_sha256 is not the hash of the proof text" in tampered.stdout


def test_a_proof_under_the_limit_stays_inline_with_its_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # where a proof without --bundle would go
    instance = unique_instance(tmp_path)
    solved = runner.invoke(app, ["solve", str(instance), "--unique"])
    certificate = json.loads(solved.stdout)["certificate"]
    assert certificate["proof"] and certificate["proof_file"] is None
    assert certificate["proof_sha256"] == hashlib.sha256(certificate["proof"].encode()).hexdigest()
    assert not list(tmp_path.glob("*.drup"))
    small = runner.invoke(app, ["solve", str(instance), "--unique", "--inline-proof-max", "100"])
    assert json.loads(small.stdout)["certificate"]["proof_file"] in [p.name for p in tmp_path.glob("*.drup")]


def test_a_certificate_may_not_name_a_file_outside_its_folder(tmp_path: Path) -> None:
    instance = unique_instance(tmp_path)
    bundle = tmp_path / "cert.json"
    runner.invoke(app, ["solve", str(instance), "--unique", "--bundle", str(bundle), "--inline-proof-max", "100"])
    data = json.loads(bundle.read_text())
    name = data["answer"]["certificate"]["proof_file"]
    (tmp_path / "sub").mkdir()
    (tmp_path / name).rename(tmp_path / "sub" / name)
    data["answer"]["certificate"]["proof_file"] = f"sub/{name}"
    bundle.write_text(json.dumps(data))
    assert runner.invoke(app, ["check", str(bundle)]).exit_code == 1
