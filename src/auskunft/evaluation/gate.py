"""The promotion gate: a new index version goes live only if no gate metric regresses beyond the tolerance."""

from __future__ import annotations

import logging

from pydantic import BaseModel

from auskunft.config import Settings

log = logging.getLogger(__name__)


class GateDecision(BaseModel):
    passed: bool
    reasons: list[str]
    candidate: dict[str, float] = {}
    baseline: dict[str, float] = {}

    def raise_if_refused(self) -> None:
        """For callers that treat a refusal as an error (e.g. a flow that should show red)."""
        if not self.passed:
            from auskunft.errors import GateRefusedError

            raise GateRefusedError("; ".join(self.reasons))


def gate(
    candidate: dict[str, float], baseline: dict[str, float], metrics: list[str], tolerance: float
) -> GateDecision:
    reasons = []
    for m in metrics:
        if m not in candidate or m not in baseline:
            reasons.append(f"{m}: missing in {'candidate' if m not in candidate else 'baseline'}")
            continue
        if candidate[m] < baseline[m] - tolerance:
            reasons.append(f"{m} regressed {baseline[m]:.4f} -> {candidate[m]:.4f} (tolerance {tolerance})")
    return GateDecision(passed=not reasons, reasons=reasons, candidate=candidate, baseline=baseline)


def gate_metrics(settings: Settings) -> list[str]:
    return [m.strip() for m in settings.eval_gate_metrics.split(",") if m.strip()]


def evaluate_and_promote(
    settings: Settings, manager, *, candidate: int, baseline: int | None = None
) -> GateDecision:  # noqa: ANN001
    """Evaluate candidate and baseline (default: the live version) on EVAL_GATE_DATASET; promote if it passes.

    The caller must not hold another client on a local Qdrant path: evaluation opens its own.
    """
    from auskunft.evaluation.runner import evaluate

    dataset = settings.eval_gate_dataset or "demo-site"
    live = manager.live()
    base = baseline if baseline is not None else (live.version if live else None)
    cand = evaluate(settings, index=str(candidate), dataset=dataset, client=manager.store)
    if base is None:
        decision = GateDecision(
            passed=True, reasons=["no live version to compare with"], candidate=cand.metrics
        )
    else:
        basel = evaluate(settings, index=str(base), dataset=dataset, client=manager.store)
        decision = gate(cand.metrics, basel.metrics, gate_metrics(settings), settings.eval_gate_tolerance)
    if decision.passed:
        manager.promote(candidate)
        log.info("gate passed: v%s promoted", candidate)
    else:
        log.warning("gate refused v%s: %s", candidate, "; ".join(decision.reasons))
    return decision
