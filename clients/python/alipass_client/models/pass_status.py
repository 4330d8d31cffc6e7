from enum import StrEnum


class PassStatus(StrEnum):
    CLOSED = "CLOSED"
    FAILED = "FAILED"
    ISSUED = "ISSUED"
    ISSUING = "ISSUING"
    USED = "USED"

    def __str__(self) -> str:
        return str(self.value)
