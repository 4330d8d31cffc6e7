from enum import StrEnum


class VerifyType(StrEnum):
    BARCODE = "barcode"
    INPUT = "input"
    QRCODE = "qrcode"
    WAVE = "wave"

    def __str__(self) -> str:
        return str(self.value)
