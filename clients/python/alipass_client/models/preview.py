from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.finding import Finding


T = TypeVar("T", bound="Preview")


@_attrs_define
class Preview:
    """
    Attributes:
        document (Any): The pass document with every known `$var$` substituted.
        params (list[str]): The template's parameters, in document order.
        errors (list[Finding]): The template's errors and warnings, then the values' problems.
        warnings (list[Finding]):
        html (str): The card as a standalone HTML page (its CSS inline), for an iframe.
    """

    document: Any
    params: list[str]
    errors: list[Finding]
    warnings: list[Finding]
    html: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document = self.document

        params = self.params

        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        warnings = []
        for warnings_item_data in self.warnings:
            warnings_item = warnings_item_data.to_dict()
            warnings.append(warnings_item)

        html = self.html

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "document": document,
                "params": params,
                "errors": errors,
                "warnings": warnings,
                "html": html,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.finding import Finding

        d = dict(src_dict)
        document = d.pop("document")

        params = cast(list[str], d.pop("params"))

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

        html = d.pop("html")

        preview = cls(
            document=document,
            params=params,
            errors=errors,
            warnings=warnings,
            html=html,
        )

        preview.additional_properties = d
        return preview

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
