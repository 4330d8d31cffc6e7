from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.changed_pass import ChangedPass
    from ..models.pass_changed_data_detail import PassChangedDataDetail


T = TypeVar("T", bound="PassChangedData")


@_attrs_define
class PassChangedData:
    """`pass.updated`, `pass.redeemed` and `pass.closed`: a change Alipay applied.

    Attributes:
        pass_ (ChangedPass):
        operation_id (UUID): The change's id (the pass history's `operation_id`).
        detail (PassChangedDataDetail): What the change did, as the pass history's event has it: `params` (the values
            changed), `verify_type` / `verify_code` (a redemption), `settled_from` (how an
            unknown outcome was proved), `resolution` (an operator's decision).
    """

    pass_: ChangedPass
    operation_id: UUID
    detail: PassChangedDataDetail
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        pass_ = self.pass_.to_dict()

        operation_id = str(self.operation_id)

        detail = self.detail.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "pass": pass_,
                "operation_id": operation_id,
                "detail": detail,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.changed_pass import ChangedPass
        from ..models.pass_changed_data_detail import PassChangedDataDetail

        d = dict(src_dict)
        pass_ = ChangedPass.from_dict(d.pop("pass"))

        operation_id = UUID(d.pop("operation_id"))

        detail = PassChangedDataDetail.from_dict(d.pop("detail"))

        pass_changed_data = cls(
            pass_=pass_,
            operation_id=operation_id,
            detail=detail,
        )

        pass_changed_data.additional_properties = d
        return pass_changed_data

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
