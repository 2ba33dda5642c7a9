"""Field-level form errors: every wrong field at once, each message (a UI text key) next to its field."""

from __future__ import annotations

from typing import Any

from auskunft.errors import ValidationError


class FormErrors(ValidationError):
    """field name -> (text key, parameters); raised when any field is wrong."""

    code = "invalid_form"
    http_status = 422

    def __init__(self, errors: dict[str, tuple[str, dict[str, Any]]]) -> None:
        super().__init__("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), code="invalid_form")
        self.errors = errors


class Collector:
    """Collects errors while a form is checked; `raise_if_any()` at the end."""

    def __init__(self) -> None:
        self.errors: dict[str, tuple[str, dict[str, Any]]] = {}

    def add(self, field: str, key: str, **params: Any) -> None:
        self.errors.setdefault(field, (key, params))

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)
