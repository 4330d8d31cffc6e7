from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.pass_status import PassStatus

T = TypeVar("T", bound="ChangedPass")


@_attrs_define
class ChangedPass:
    """
    Attributes:
        serial_number (str):
        channel_id (str):
        status (PassStatus): ISSUING → ISSUED → USED | CLOSED (terminal); FAILED when the gateway refused for good.
    """

    serial_number: str
    channel_id: str
    status: PassStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        serial_number = self.serial_number

        channel_id = self.channel_id

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "serial_number": serial_number,
                "channel_id": channel_id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        serial_number = d.pop("serial_number")

        channel_id = d.pop("channel_id")

        status = PassStatus(d.pop("status"))

        changed_pass = cls(
            serial_number=serial_number,
            channel_id=channel_id,
            status=status,
        )

        changed_pass.additional_properties = d
        return changed_pass

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
