"""Proofs (and CNFs) too large to print inline go beside the answer; the certificate keeps their SHA-256.

One refutation made a 294 MB answer on stdout. Above `max_inline_bytes` (the CLI's `--inline-proof-max`, the
service's `LATENTSAT_INLINE_PROOF_MAX_BYTES`; default `DEFAULT_INLINE_MAX_BYTES`), `externalise` moves the text
out: the certificate gets `proof_file` (a name relative to the answer) and `proof_sha256` instead of `proof`, and
the same for `cnf` (`cnf_file`; `cnf_sha256` is there already). The CLI writes the files beside the answer or
bundle; the service serves them at `/v1/jobs/{id}/certificate/proof` and `/certificate/cnf`. `attach` puts them
back for `latentsat check`, which then verifies both hashes: the external form is checked like the inline one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from solvers.proofs import sha256_text

DEFAULT_INLINE_MAX_BYTES = 1 << 20  # 1 MiB: a JSON answer beyond that is not read by a person anyway
PARTS = {"proof": ("proof_file", "drup"), "cnf": ("cnf_file", "cnf")}


def certificates_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The certificate objects of an answer or a lifted answer (`target_certificate`), to move texts in or out."""
    found = [document.get("certificate"), document.get("target_certificate")]
    return [certificate for certificate in found if isinstance(certificate, dict)]


def externalise(document: dict[str, Any], stem: str, max_inline_bytes: int) -> tuple[dict[str, Any], dict[str, str]]:
    """A copy of `document` with every proof or CNF text over `max_inline_bytes` replaced by a file name, and the
    files to write beside it: {name: text}. Names are `{stem}.drup` and `{stem}.cnf`."""
    out = copy.copy(document)
    files: dict[str, str] = {}
    for key in ("certificate", "target_certificate"):
        certificate = out.get(key)
        if not isinstance(certificate, dict):
            continue
        certificate = out[key] = dict(certificate)
        for part, (file_field, suffix) in PARTS.items():
            text = certificate.get(part)
            if isinstance(text, str) and len(text) > max_inline_bytes // 4 and len(text.encode()) > max_inline_bytes:
                name = f"{stem}.{suffix}"
                files[name] = text
                certificate[part], certificate[file_field] = None, name
                if part == "proof":
                    certificate["proof_sha256"] = sha256_text(text)
    return out, files


def attach(document: dict[str, Any], read: Callable[[str, str], str | None]) -> dict[str, Any]:
    """A copy of `document` with the texts named by `proof_file`/`cnf_file` read back by `read(part, name)` (None
    when absent). Hashes are not checked here: `check` compares them with what it rebuilds, inline or not."""
    out = copy.deepcopy(document)
    for certificate in certificates_of(out):
        for part, (file_field, _) in PARTS.items():
            name = certificate.get(file_field)
            if isinstance(name, str) and certificate.get(part) is None:
                certificate[part] = read(part, name)
    return out
