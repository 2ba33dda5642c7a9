"""Leave-one-site-out choice of parameters: every figure is measured on a site its parameters were not chosen on.

A parameter set (a retrieval configuration, an answer threshold, an index-time option) is chosen by its score
over all sites but one and reported on the one left out; each site takes its turn. The figure for a site is
therefore what a new site can expect from the same *procedure* (choose on the sites we have, ship, meet a site
nobody tuned for), not what the parameters do on the data they were fitted to.

`per_site[site][config]` holds that configuration's metrics on that site (e.g. hit@5, the share of answerable
questions told "nothing found"); `objective(list_of_metric_dicts)` turns the metrics of the training sites into
one number to maximise (the mean over sites by default: every site weighs the same, however many questions it
has). Ties go to the configuration listed first, so put the current default first: a change must earn its place.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

C = TypeVar("C", bound=Hashable)
Metrics = Mapping[str, float]
Objective = Callable[[Sequence[Metrics]], float]


def mean_of(metric: str) -> Objective:
    """Objective: the mean of one metric over the training sites."""

    def objective(rows: Sequence[Metrics]) -> float:
        return sum(r[metric] for r in rows) / len(rows) if rows else 0.0

    return objective


@dataclass(frozen=True)
class Fold(Generic[C]):
    held_out: str
    chosen: C
    train_score: float  # the objective over the other sites
    held_out_metrics: Metrics  # the chosen configuration on the held-out site


def choose(
    configs: Sequence[C],
    per_site: Mapping[str, Mapping[C, Metrics]],
    objective: Objective,
    sites: Sequence[str],
) -> C:
    """The configuration with the best objective over `sites` (first listed on ties)."""
    best, best_score = configs[0], float("-inf")
    for cfg in configs:
        score = objective([per_site[s][cfg] for s in sites])
        if score > best_score + 1e-12:
            best, best_score = cfg, score
    return best


def leave_one_site_out(
    configs: Sequence[C], per_site: Mapping[str, Mapping[C, Metrics]], objective: Objective
) -> list[Fold[C]]:
    """One fold per site: the configuration chosen on every other site, and its metrics on the held-out one."""
    if len(per_site) < 2:
        raise ValueError("leave-one-site-out needs at least two sites")
    if not configs:
        raise ValueError("no configurations to choose from")
    folds = []
    for held_out in sorted(per_site):
        train = [s for s in sorted(per_site) if s != held_out]
        chosen = choose(configs, per_site, objective, train)
        folds.append(
            Fold(
                held_out=held_out,
                chosen=chosen,
                train_score=objective([per_site[s][chosen] for s in train]),
                held_out_metrics=per_site[held_out][chosen],
            )
        )
    return folds


def in_sample(configs: Sequence[C], per_site: Mapping[str, Mapping[C, Metrics]], objective: Objective) -> C:
    """The configuration chosen on all sites: what ships (its honest estimate is the folds', not its own score)."""
    return choose(configs, per_site, objective, sorted(per_site))


def constrained(goal: str, constraints: Mapping[str, tuple[str, float]], penalty: float = 10.0) -> Objective:
    """Objective: mean `goal` over sites, minus `penalty` x how far the mean of each constrained metric misses its
    bound (`{"metric": ("<=", 0.10)}`); a configuration meeting every bound competes on `goal` alone."""

    def objective(rows: Sequence[Metrics]) -> float:
        if not rows:
            return 0.0
        n = len(rows)
        score = sum(r[goal] for r in rows) / n
        for metric, (op, bound) in constraints.items():
            value = sum(r[metric] for r in rows) / n
            miss = value - bound if op == "<=" else bound - value
            score -= penalty * max(0.0, miss)
        return score

    return objective
