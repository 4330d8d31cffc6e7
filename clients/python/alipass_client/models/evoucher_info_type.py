from enum import StrEnum


class EvoucherInfoType(StrEnum):
    BOARDINGPASS = "boardingPass"
    COUPON = "coupon"
    EVENTTICKET = "eventTicket"

    def __str__(self) -> str:
        return str(self.value)
