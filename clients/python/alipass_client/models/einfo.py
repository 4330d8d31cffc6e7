from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.einfo_unit import EinfoUnit


T = TypeVar("T", bound="Einfo")


@_attrs_define
class Einfo:
    """The card's layout. At least one region holds a unit; a key repeated in einfo is a warning, except the product's
    business keys, which must appear once with a value.

        Attributes:
            logo_text (str): Text beside the logo.
            logo (None | str | Unset): Logo shown in the card.
            secend_logo_text (None | str | Unset): Second line beside the logo (the vendor's spelling).
            thumbnail (None | str | Unset): A thumbnail image.
            head_fields (list[EinfoUnit] | None | Unset):
            primary_fields (list[EinfoUnit] | None | Unset):
            secondary_fields (list[EinfoUnit] | None | Unset):
            auxiliary_fields (list[EinfoUnit] | None | Unset):
            back_fields (list[EinfoUnit] | None | Unset):
    """

    logo_text: str
    logo: None | str | Unset = UNSET
    secend_logo_text: None | str | Unset = UNSET
    thumbnail: None | str | Unset = UNSET
    head_fields: list[EinfoUnit] | None | Unset = UNSET
    primary_fields: list[EinfoUnit] | None | Unset = UNSET
    secondary_fields: list[EinfoUnit] | None | Unset = UNSET
    auxiliary_fields: list[EinfoUnit] | None | Unset = UNSET
    back_fields: list[EinfoUnit] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        logo_text = self.logo_text

        logo: None | str | Unset
        if isinstance(self.logo, Unset):
            logo = UNSET
        else:
            logo = self.logo

        secend_logo_text: None | str | Unset
        if isinstance(self.secend_logo_text, Unset):
            secend_logo_text = UNSET
        else:
            secend_logo_text = self.secend_logo_text

        thumbnail: None | str | Unset
        if isinstance(self.thumbnail, Unset):
            thumbnail = UNSET
        else:
            thumbnail = self.thumbnail

        head_fields: list[dict[str, Any]] | None | Unset
        if isinstance(self.head_fields, Unset):
            head_fields = UNSET
        elif isinstance(self.head_fields, list):
            head_fields = []
            for head_fields_type_0_item_data in self.head_fields:
                head_fields_type_0_item = head_fields_type_0_item_data.to_dict()
                head_fields.append(head_fields_type_0_item)

        else:
            head_fields = self.head_fields

        primary_fields: list[dict[str, Any]] | None | Unset
        if isinstance(self.primary_fields, Unset):
            primary_fields = UNSET
        elif isinstance(self.primary_fields, list):
            primary_fields = []
            for primary_fields_type_0_item_data in self.primary_fields:
                primary_fields_type_0_item = primary_fields_type_0_item_data.to_dict()
                primary_fields.append(primary_fields_type_0_item)

        else:
            primary_fields = self.primary_fields

        secondary_fields: list[dict[str, Any]] | None | Unset
        if isinstance(self.secondary_fields, Unset):
            secondary_fields = UNSET
        elif isinstance(self.secondary_fields, list):
            secondary_fields = []
            for secondary_fields_type_0_item_data in self.secondary_fields:
                secondary_fields_type_0_item = (
                    secondary_fields_type_0_item_data.to_dict()
                )
                secondary_fields.append(secondary_fields_type_0_item)

        else:
            secondary_fields = self.secondary_fields

        auxiliary_fields: list[dict[str, Any]] | None | Unset
        if isinstance(self.auxiliary_fields, Unset):
            auxiliary_fields = UNSET
        elif isinstance(self.auxiliary_fields, list):
            auxiliary_fields = []
            for auxiliary_fields_type_0_item_data in self.auxiliary_fields:
                auxiliary_fields_type_0_item = (
                    auxiliary_fields_type_0_item_data.to_dict()
                )
                auxiliary_fields.append(auxiliary_fields_type_0_item)

        else:
            auxiliary_fields = self.auxiliary_fields

        back_fields: list[dict[str, Any]] | None | Unset
        if isinstance(self.back_fields, Unset):
            back_fields = UNSET
        elif isinstance(self.back_fields, list):
            back_fields = []
            for back_fields_type_0_item_data in self.back_fields:
                back_fields_type_0_item = back_fields_type_0_item_data.to_dict()
                back_fields.append(back_fields_type_0_item)

        else:
            back_fields = self.back_fields

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "logoText": logo_text,
            }
        )
        if logo is not UNSET:
            field_dict["logo"] = logo
        if secend_logo_text is not UNSET:
            field_dict["secendLogoText"] = secend_logo_text
        if thumbnail is not UNSET:
            field_dict["Thumbnail"] = thumbnail
        if head_fields is not UNSET:
            field_dict["headFields"] = head_fields
        if primary_fields is not UNSET:
            field_dict["primaryFields"] = primary_fields
        if secondary_fields is not UNSET:
            field_dict["secondaryFields"] = secondary_fields
        if auxiliary_fields is not UNSET:
            field_dict["auxiliaryFields"] = auxiliary_fields
        if back_fields is not UNSET:
            field_dict["backFields"] = back_fields

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.einfo_unit import EinfoUnit

        d = dict(src_dict)
        logo_text = d.pop("logoText")

        def _parse_logo(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        logo = _parse_logo(d.pop("logo", UNSET))

        def _parse_secend_logo_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secend_logo_text = _parse_secend_logo_text(d.pop("secendLogoText", UNSET))

        def _parse_thumbnail(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        thumbnail = _parse_thumbnail(d.pop("Thumbnail", UNSET))

        def _parse_head_fields(data: object) -> list[EinfoUnit] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                head_fields_type_0 = []
                _head_fields_type_0 = data
                for head_fields_type_0_item_data in _head_fields_type_0:
                    head_fields_type_0_item = EinfoUnit.from_dict(
                        head_fields_type_0_item_data
                    )

                    head_fields_type_0.append(head_fields_type_0_item)

                return head_fields_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EinfoUnit] | None | Unset, data)

        head_fields = _parse_head_fields(d.pop("headFields", UNSET))

        def _parse_primary_fields(data: object) -> list[EinfoUnit] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                primary_fields_type_0 = []
                _primary_fields_type_0 = data
                for primary_fields_type_0_item_data in _primary_fields_type_0:
                    primary_fields_type_0_item = EinfoUnit.from_dict(
                        primary_fields_type_0_item_data
                    )

                    primary_fields_type_0.append(primary_fields_type_0_item)

                return primary_fields_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EinfoUnit] | None | Unset, data)

        primary_fields = _parse_primary_fields(d.pop("primaryFields", UNSET))

        def _parse_secondary_fields(data: object) -> list[EinfoUnit] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                secondary_fields_type_0 = []
                _secondary_fields_type_0 = data
                for secondary_fields_type_0_item_data in _secondary_fields_type_0:
                    secondary_fields_type_0_item = EinfoUnit.from_dict(
                        secondary_fields_type_0_item_data
                    )

                    secondary_fields_type_0.append(secondary_fields_type_0_item)

                return secondary_fields_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EinfoUnit] | None | Unset, data)

        secondary_fields = _parse_secondary_fields(d.pop("secondaryFields", UNSET))

        def _parse_auxiliary_fields(data: object) -> list[EinfoUnit] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                auxiliary_fields_type_0 = []
                _auxiliary_fields_type_0 = data
                for auxiliary_fields_type_0_item_data in _auxiliary_fields_type_0:
                    auxiliary_fields_type_0_item = EinfoUnit.from_dict(
                        auxiliary_fields_type_0_item_data
                    )

                    auxiliary_fields_type_0.append(auxiliary_fields_type_0_item)

                return auxiliary_fields_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EinfoUnit] | None | Unset, data)

        auxiliary_fields = _parse_auxiliary_fields(d.pop("auxiliaryFields", UNSET))

        def _parse_back_fields(data: object) -> list[EinfoUnit] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                back_fields_type_0 = []
                _back_fields_type_0 = data
                for back_fields_type_0_item_data in _back_fields_type_0:
                    back_fields_type_0_item = EinfoUnit.from_dict(
                        back_fields_type_0_item_data
                    )

                    back_fields_type_0.append(back_fields_type_0_item)

                return back_fields_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[EinfoUnit] | None | Unset, data)

        back_fields = _parse_back_fields(d.pop("backFields", UNSET))

        einfo = cls(
            logo_text=logo_text,
            logo=logo,
            secend_logo_text=secend_logo_text,
            thumbnail=thumbnail,
            head_fields=head_fields,
            primary_fields=primary_fields,
            secondary_fields=secondary_fields,
            auxiliary_fields=auxiliary_fields,
            back_fields=back_fields,
        )

        return einfo
