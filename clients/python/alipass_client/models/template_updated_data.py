from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.updated_template import UpdatedTemplate


T = TypeVar("T", bound="TemplateUpdatedData")


@_attrs_define
class TemplateUpdatedData:
    """`template.updated`: an update Alipay applied.

    Attributes:
        template (UpdatedTemplate):
    """

    template: UpdatedTemplate
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        template = self.template.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "template": template,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.updated_template import UpdatedTemplate

        d = dict(src_dict)
        template = UpdatedTemplate.from_dict(d.pop("template"))

        template_updated_data = cls(
            template=template,
        )

        template_updated_data.additional_properties = d
        return template_updated_data

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
