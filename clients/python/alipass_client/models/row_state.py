from enum import StrEnum


class RowState(StrEnum):
    CANCELLED = "CANCELLED"
    INVALID = "INVALID"
    PENDING = "PENDING"
    REFUSED = "REFUSED"
    SENT = "SENT"
    UNKNOWN = "UNKNOWN"

    def __str__(self) -> str:
        return str(self.value)
