from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.finding import Finding


T = TypeVar("T", bound="TemplateReport")


@_attrs_define
class TemplateReport:
    """The outcome of linting a template: valid when `errors` is empty.

    Example:
        {'errors': [], 'warnings': [], 'params': ['validStartDate', 'validEndDate', 'ackCode', 'logoText',
            'useStateDesc', 'discountInfo', 'channelID', 'serialNumber']}

    Attributes:
        errors (list[Finding]):
        warnings (list[Finding]):
        params (list[str]): The `$var$` parameters a pass must fill, in document order (what Alipay returns as
            `tpl_params`).
    """

    errors: list[Finding]
    warnings: list[Finding]
    params: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        warnings = []
        for warnings_item_data in self.warnings:
            warnings_item = warnings_item_data.to_dict()
            warnings.append(warnings_item)

        params = self.params

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "errors": errors,
                "warnings": warnings,
                "params": params,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.finding import Finding

        d = dict(src_dict)
        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = Finding.from_dict(errors_item_data)

            errors.append(errors_item)

        warnings = []
        _warnings = d.pop("warnings")
        for warnings_item_data in _warnings:
            warnings_item = Finding.from_dict(warnings_item_data)

            warnings.append(warnings_item)

        params = cast(list[str], d.pop("params"))

        template_report = cls(
            errors=errors,
            warnings=warnings,
            params=params,
        )

        template_report.additional_properties = d
        return template_report

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
