"""Leave-one-site-out: a site's own scores never choose the parameters it is reported with."""

from __future__ import annotations

import pytest

from auskunft.evaluation.loso import constrained, in_sample, leave_one_site_out, mean_of

CONFIGS = ["default", "tuned"]


def _sites(c_tuned: float) -> dict[str, dict[str, dict[str, float]]]:
    # "tuned" wins big on site c only: in sample it looks best, held out it is not chosen for a or b
    return {
        "a": {"default": {"hit": 0.8}, "tuned": {"hit": 0.7}},
        "b": {"default": {"hit": 0.9}, "tuned": {"hit": 0.85}},
        "c": {"default": {"hit": 0.5}, "tuned": {"hit": c_tuned}},
    }


def test_each_site_is_scored_with_what_the_others_chose() -> None:
    folds = {f.held_out: f for f in leave_one_site_out(CONFIGS, _sites(1.0), mean_of("hit"))}
    assert folds["c"].chosen == "default"  # a and b prefer default
    assert folds["c"].held_out_metrics == {"hit": 0.5}  # not the 1.0 it would get in sample
    assert folds["a"].chosen == "tuned"  # b + c: (0.85 + 1.0) / 2 > (0.9 + 0.5) / 2
    assert folds["a"].held_out_metrics == {"hit": 0.7}
    assert in_sample(CONFIGS, _sites(1.0), mean_of("hit")) == "tuned"


def test_held_out_scores_do_not_move_their_own_choice() -> None:
    for c_tuned in (0.0, 0.5, 1.0):
        fold_c = next(
            f for f in leave_one_site_out(CONFIGS, _sites(c_tuned), mean_of("hit")) if f.held_out == "c"
        )
        assert fold_c.chosen == "default"


def test_ties_keep_the_first_configuration() -> None:
    sites = {s: {"default": {"hit": 0.5}, "tuned": {"hit": 0.5}} for s in "ab"}
    assert all(f.chosen == "default" for f in leave_one_site_out(CONFIGS, sites, mean_of("hit")))


def test_constraints_rule_out_a_configuration_that_misses_a_bound() -> None:
    objective = constrained("recall", {"refused": ("<=", 0.1)})
    ok = {"recall": 0.5, "refused": 0.05}
    greedy = {"recall": 0.9, "refused": 0.4}
    assert objective([ok]) > objective([greedy])
    assert objective([{"recall": 0.6, "refused": 0.1}]) > objective([ok])


def test_needs_two_sites() -> None:
    with pytest.raises(ValueError):
        leave_one_site_out(CONFIGS, {"a": {"default": {"hit": 1.0}, "tuned": {"hit": 1.0}}}, mean_of("hit"))


def test_the_shipped_answer_parameters_are_a_point_of_the_sweep() -> None:
    """eval/loso.py reports "as shipped" beside the held-out figures: the defaults must be in its grid."""
    from auskunft.chat.extractive import ExtractiveParams
    from eval.loso import answer_grid, default_index

    grid = answer_grid()
    assert grid[default_index(grid)] == ExtractiveParams()


def test_the_retrieval_grid_starts_with_the_shipped_searcher() -> None:
    """eval/loso.py's first retrieval configuration is the "as shipped" column (and wins ties): it must be what
    the service's searcher does by default."""
    import inspect

    from auskunft.config import Settings
    from auskunft.retrieval.refine import refine
    from auskunft.retrieval.search import HybridSearcher
    from eval.loso import RETRIEVAL_GRID

    first = dict(RETRIEVAL_GRID[0])
    init = inspect.signature(HybridSearcher.__init__).parameters
    assert first["weights"] == init["weights"].default and first["rrf_k"] == init["rrf_k"].default
    assert first["max_per_doc"] == init["max_per_doc"].default == 0
    assert first["min_content_words"] == init["min_content_words"].default == 0
    assert first["listing_factor"] == inspect.signature(refine).parameters["listing_factor"].default
    assert first["votes"] is Settings.model_fields["rank_votes"].default is True
