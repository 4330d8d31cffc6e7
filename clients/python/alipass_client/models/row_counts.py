from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RowCounts")


@_attrs_define
class RowCounts:
    """
    Attributes:
        total (int):
        pending (int):
        unknown (int):
        sent (int):
        refused (int):
        invalid (int):
        cancelled (int):
    """

    total: int
    pending: int
    unknown: int
    sent: int
    refused: int
    invalid: int
    cancelled: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        total = self.total

        pending = self.pending

        unknown = self.unknown

        sent = self.sent

        refused = self.refused

        invalid = self.invalid

        cancelled = self.cancelled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "total": total,
                "pending": pending,
                "unknown": unknown,
                "sent": sent,
                "refused": refused,
                "invalid": invalid,
                "cancelled": cancelled,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        total = d.pop("total")

        pending = d.pop("pending")

        unknown = d.pop("unknown")

        sent = d.pop("sent")

        refused = d.pop("refused")

        invalid = d.pop("invalid")

        cancelled = d.pop("cancelled")

        row_counts = cls(
            total=total,
            pending=pending,
            unknown=unknown,
            sent=sent,
            refused=refused,
            invalid=invalid,
            cancelled=cancelled,
        )

        row_counts.additional_properties = d
        return row_counts

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
