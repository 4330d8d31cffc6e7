from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.pass_file_info_can_buy_type_1 import PassFileInfoCanBuyType1
from ..models.pass_file_info_can_present_type_1 import PassFileInfoCanPresentType1
from ..models.pass_file_info_can_share_type_1 import PassFileInfoCanShareType1
from ..models.pass_file_info_support_taxi_type_1 import PassFileInfoSupportTaxiType1
from ..types import UNSET, Unset

T = TypeVar("T", bound="PassFileInfo")


@_attrs_define
class PassFileInfo:
    """The pass file's settings.

    Attributes:
        format_version (int | str): The format version (2 today), as a number or its digits.
        serial_number (str): The pass's serial number, usually `$serialNumber$`, which the service fills.
        can_present (bool | None | PassFileInfoCanPresentType1 | Unset): The holder may give the pass away.
        can_share (bool | None | PassFileInfoCanShareType1 | Unset): The holder may share the pass.
        can_buy (bool | None | PassFileInfoCanBuyType1 | Unset): The pass may be bought.
        support_taxi (bool | None | PassFileInfoSupportTaxiType1 | Unset): The pass offers a taxi.
        taxi_schema_url (None | str | Unset): The taxi app's address.
    """

    format_version: int | str
    serial_number: str
    can_present: bool | None | PassFileInfoCanPresentType1 | Unset = UNSET
    can_share: bool | None | PassFileInfoCanShareType1 | Unset = UNSET
    can_buy: bool | None | PassFileInfoCanBuyType1 | Unset = UNSET
    support_taxi: bool | None | PassFileInfoSupportTaxiType1 | Unset = UNSET
    taxi_schema_url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        format_version: int | str
        format_version = self.format_version

        serial_number = self.serial_number

        can_present: bool | None | str | Unset
        if isinstance(self.can_present, Unset):
            can_present = UNSET
        elif isinstance(self.can_present, PassFileInfoCanPresentType1):
            can_present = self.can_present.value
        else:
            can_present = self.can_present

        can_share: bool | None | str | Unset
        if isinstance(self.can_share, Unset):
            can_share = UNSET
        elif isinstance(self.can_share, PassFileInfoCanShareType1):
            can_share = self.can_share.value
        else:
            can_share = self.can_share

        can_buy: bool | None | str | Unset
        if isinstance(self.can_buy, Unset):
            can_buy = UNSET
        elif isinstance(self.can_buy, PassFileInfoCanBuyType1):
            can_buy = self.can_buy.value
        else:
            can_buy = self.can_buy

        support_taxi: bool | None | str | Unset
        if isinstance(self.support_taxi, Unset):
            support_taxi = UNSET
        elif isinstance(self.support_taxi, PassFileInfoSupportTaxiType1):
            support_taxi = self.support_taxi.value
        else:
            support_taxi = self.support_taxi

        taxi_schema_url: None | str | Unset
        if isinstance(self.taxi_schema_url, Unset):
            taxi_schema_url = UNSET
        else:
            taxi_schema_url = self.taxi_schema_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "formatVersion": format_version,
                "serialNumber": serial_number,
            }
        )
        if can_present is not UNSET:
            field_dict["canPresent"] = can_present
        if can_share is not UNSET:
            field_dict["canShare"] = can_share
        if can_buy is not UNSET:
            field_dict["canBuy"] = can_buy
        if support_taxi is not UNSET:
            field_dict["supportTaxi"] = support_taxi
        if taxi_schema_url is not UNSET:
            field_dict["taxiSchemaUrl"] = taxi_schema_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_format_version(data: object) -> int | str:
            return cast(int | str, data)

        format_version = _parse_format_version(d.pop("formatVersion"))

        serial_number = d.pop("serialNumber")

        def _parse_can_present(
            data: object,
        ) -> bool | None | PassFileInfoCanPresentType1 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                can_present_type_1 = PassFileInfoCanPresentType1(data)

                return can_present_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(bool | None | PassFileInfoCanPresentType1 | Unset, data)

        can_present = _parse_can_present(d.pop("canPresent", UNSET))

        def _parse_can_share(
            data: object,
        ) -> bool | None | PassFileInfoCanShareType1 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                can_share_type_1 = PassFileInfoCanShareType1(data)

                return can_share_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(bool | None | PassFileInfoCanShareType1 | Unset, data)

        can_share = _parse_can_share(d.pop("canShare", UNSET))

        def _parse_can_buy(
            data: object,
        ) -> bool | None | PassFileInfoCanBuyType1 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                can_buy_type_1 = PassFileInfoCanBuyType1(data)

                return can_buy_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(bool | None | PassFileInfoCanBuyType1 | Unset, data)

        can_buy = _parse_can_buy(d.pop("canBuy", UNSET))

        def _parse_support_taxi(
            data: object,
        ) -> bool | None | PassFileInfoSupportTaxiType1 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                support_taxi_type_1 = PassFileInfoSupportTaxiType1(data)

                return support_taxi_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(bool | None | PassFileInfoSupportTaxiType1 | Unset, data)

        support_taxi = _parse_support_taxi(d.pop("supportTaxi", UNSET))

        def _parse_taxi_schema_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        taxi_schema_url = _parse_taxi_schema_url(d.pop("taxiSchemaUrl", UNSET))

        pass_file_info = cls(
            format_version=format_version,
            serial_number=serial_number,
            can_present=can_present,
            can_share=can_share,
            can_buy=can_buy,
            support_taxi=support_taxi,
            taxi_schema_url=taxi_schema_url,
        )

        return pass_file_info
