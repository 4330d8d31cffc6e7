from enum import StrEnum


class CampaignKind(StrEnum):
    PASS_ISSUE = "PASS_ISSUE"
    VOUCHER_SEND = "VOUCHER_SEND"

    def __str__(self) -> str:
        return str(self.value)
