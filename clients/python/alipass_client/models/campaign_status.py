from enum import StrEnum


class CampaignStatus(StrEnum):
    CANCELLED = "CANCELLED"
    FINISHED = "FINISHED"
    PAUSED = "PAUSED"
    RUNNING = "RUNNING"
    UPLOADING = "UPLOADING"

    def __str__(self) -> str:
        return str(self.value)
