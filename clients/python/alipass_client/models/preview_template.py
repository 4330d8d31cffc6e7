from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.preview_template_params import PreviewTemplateParams


T = TypeVar("T", bound="PreviewTemplate")


@_attrs_define
class PreviewTemplate:
    """
    Example:
        {'content': {'content': {}}, 'params': {'discountInfo': '5 折'}}

    Attributes:
        content (Any): The template content (a TemplateContent, or its JSON text). Any JSON value is taken:
            what breaks a rule is reported in the answer, not refused.
        params (PreviewTemplateParams | Unset): A value for each `$var$` parameter.
    """

    content: Any
    params: PreviewTemplateParams | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content = self.content

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content": content,
            }
        )
        if params is not UNSET:
            field_dict["params"] = params

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.preview_template_params import PreviewTemplateParams

        d = dict(src_dict)
        content = d.pop("content")

        _params = d.pop("params", UNSET)
        params: PreviewTemplateParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = PreviewTemplateParams.from_dict(_params)

        preview_template = cls(
            content=content,
            params=params,
        )

        preview_template.additional_properties = d
        return preview_template

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
