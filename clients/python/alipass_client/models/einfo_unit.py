from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.einfo_unit_type_type_0 import EinfoUnitTypeType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="EinfoUnit")


@_attrs_define
class EinfoUnit:
    """One labelled value of the card; it needs a non-empty label or value.

    Attributes:
        key (str): The unit's key (a product's business keys: from, to, trainNo, fltNo, busNo).
        label (None | str | Unset): The label.
        value (None | str | Unset): The value; measured after substitution.
        type_ (EinfoUnitTypeType0 | None | Unset):
    """

    key: str
    label: None | str | Unset = UNSET
    value: None | str | Unset = UNSET
    type_: EinfoUnitTypeType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        label: None | str | Unset
        if isinstance(self.label, Unset):
            label = UNSET
        else:
            label = self.label

        value: None | str | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, EinfoUnitTypeType0):
            type_ = self.type_.value
        else:
            type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
            }
        )
        if label is not UNSET:
            field_dict["label"] = label
        if value is not UNSET:
            field_dict["value"] = value
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        key = d.pop("key")

        def _parse_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        label = _parse_label(d.pop("label", UNSET))

        def _parse_value(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        def _parse_type_(data: object) -> EinfoUnitTypeType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = EinfoUnitTypeType0(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EinfoUnitTypeType0 | None | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        einfo_unit = cls(
            key=key,
            label=label,
            value=value,
            type_=type_,
        )

        return einfo_unit
