from enum import StrEnum


class PassOperationFormat(StrEnum):
    APP = "app"
    BARCODE = "barcode"
    IMG = "img"
    QRCODE = "qrcode"
    TEXT = "text"
    URL = "url"
    WAVE = "wave"

    def __str__(self) -> str:
        return str(self.value)
