from enum import StrEnum


class EvoucherInfoProduct(StrEnum):
    AIR = "air"
    BOARDING = "boarding"
    BUS = "bus"
    FREE = "free"
    GROUPON = "groupon"
    HOTEL = "hotel"
    LOTTERY = "lottery"
    MOVIE = "movie"
    PRICE = "price"
    TOURIST = "tourist"
    TRAIN = "train"

    def __str__(self) -> str:
        return str(self.value)
