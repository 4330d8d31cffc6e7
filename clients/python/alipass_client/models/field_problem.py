from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FieldProblem")


@_attrs_define
class FieldProblem:
    """One offending input field, by path.

    Attributes:
        path (str): Where: a JSON path such as `$.content.evoucherInfo.title`.
        message (str):
        alipay_code (None | str | Unset): The Alipay error code this local check avoids, when there is one.
    """

    path: str
    message: str
    alipay_code: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        message = self.message

        alipay_code: None | str | Unset
        if isinstance(self.alipay_code, Unset):
            alipay_code = UNSET
        else:
            alipay_code = self.alipay_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "path": path,
                "message": message,
            }
        )
        if alipay_code is not UNSET:
            field_dict["alipay_code"] = alipay_code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        path = d.pop("path")

        message = d.pop("message")

        def _parse_alipay_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        alipay_code = _parse_alipay_code(d.pop("alipay_code", UNSET))

        field_problem = cls(
            path=path,
            message=message,
            alipay_code=alipay_code,
        )

        field_problem.additional_properties = d
        return field_problem

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
