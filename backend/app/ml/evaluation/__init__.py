"""Evaluation: replay a simulated fleet day by day and score it against ground truth."""

from app.ml.evaluation.run import Evaluation, ReplayScores, evaluate_fleet, score_replay

__all__ = ["Evaluation", "ReplayScores", "evaluate_fleet", "score_replay"]
