"""Business errors.

A service raises ``BusinessError`` when input breaks a rule of the business (a closed period, a
quantity not in stock). The service is the transaction boundary, so nothing it wrote survives; the
API turns the error into a 4xx response whose body names the field, in Django REST framework's
shape: ``{"field": ["message"]}``.
"""


class BusinessError(Exception):
    """A rule was broken by the input; maps to HTTP 400 (or ``status_code``)."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, field: str = "non_field_errors", code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


class NotFoundError(BusinessError):
    """A referenced object does not exist (or is not visible to the caller)."""

    status_code = 404
    default_code = "not_found"


class ConflictError(BusinessError):
    """The object is in a state that does not allow the action (already finished, locked)."""

    status_code = 409
    default_code = "conflict"
