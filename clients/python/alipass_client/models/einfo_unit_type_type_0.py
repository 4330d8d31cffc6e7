from enum import StrEnum


class EinfoUnitTypeType0(StrEnum):
    MAP = "map"
    TEL = "tel"
    TEXT = "text"
    URL = "url"
    VALUE_4 = ""

    def __str__(self) -> str:
        return str(self.value)
