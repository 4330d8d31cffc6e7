from enum import StrEnum


class PassPlatformChannelSceneType0(StrEnum):
    PUBLIC = "public"
    SERVER = "server"
    VALUE_2 = ""

    def __str__(self) -> str:
        return str(self.value)
