from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.severity import Severity

T = TypeVar("T", bound="Finding")


@_attrs_define
class Finding:
    """One broken rule.

    Attributes:
        path (str): JSONPath-like location, e.g. `$.content.evoucherInfo.einfo.headFields[0].key`.
        message (str):
        alipay_code (str): The Alipay error code this local check avoids, e.g. `KP.AE_ALIPASS_DATE_ERROR`.
        severity (Severity):
    """

    path: str
    message: str
    alipay_code: str
    severity: Severity
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        message = self.message

        alipay_code = self.alipay_code

        severity = self.severity.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "path": path,
                "message": message,
                "alipay_code": alipay_code,
                "severity": severity,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        path = d.pop("path")

        message = d.pop("message")

        alipay_code = d.pop("alipay_code")

        severity = Severity(d.pop("severity"))

        finding = cls(
            path=path,
            message=message,
            alipay_code=alipay_code,
            severity=severity,
        )

        finding.additional_properties = d
        return finding

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
