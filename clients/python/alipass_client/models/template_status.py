from enum import StrEnum


class TemplateStatus(StrEnum):
    CREATED = "CREATED"
    FAILED = "FAILED"
    NEEDS_ALIPAY_ID = "NEEDS_ALIPAY_ID"
    PENDING = "PENDING"

    def __str__(self) -> str:
        return str(self.value)
