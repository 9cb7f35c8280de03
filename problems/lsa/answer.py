"""The answer to an `lsa` instance (wire form): status, exact (b, A) as strings, float views, fit and certificate."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from problems.answers import AnswerStatus, Certificate


class LsaAnswer(BaseModel):
    """`solved`/`optimal` carry (b, A) re-verified exactly; `infeasible` carries a certificate or says checked=false."""

    kind: Literal["lsa"] = "lsa"
    status: AnswerStatus
    mode: str
    b: list[str] | None = Field(default=None, description="exact b: rationals 'p/q' or surds 'a + c*sqrt(D)'")
    a: list[list[str]] | None = Field(default=None, description="exact A, (d+1) rows of d entries")
    b_float: list[float] | None = None
    a_float: list[list[float]] | None = None
    residual: str | None = Field(default=None, description="max |φ(b,A) − X|, exact")
    loss_excess: str | None = Field(default=None, description="best-fit: (φ − X*)ᵀ H (φ − X*), exact")
    loss_excess_float: float | None = None
    lower_bound: str | None = Field(default=None, description="best-fit: a proven lower bound on the loss excess")
    gap: float | None = Field(default=None, description="best-fit: loss_excess − lower_bound")
    certificate: Certificate | None = None
    stats: dict[str, Any] = Field(default_factory=dict)
    message: str | None = None
