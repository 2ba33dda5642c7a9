"""Evaluation: retrieval metrics + Ragas per index version, tracked in MLflow, with a promotion gate."""
