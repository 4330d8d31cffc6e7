from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.pass_operation_format import PassOperationFormat
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.app_links import AppLinks
    from ..models.operation_image import OperationImage
    from ..models.operation_text_item import OperationTextItem


T = TypeVar("T", bound="PassOperation")


@_attrs_define
class PassOperation:
    """One way to redeem the pass.

    Attributes:
        format_ (PassOperationFormat): The operation's kind.
        message (AppLinks | list[OperationTextItem] | OperationImage | str): Its shape follows `format`: a string (wave,
            qrcode, barcode, url), an array of {label, value} (text), {img, target} (img), or the app links (app).
        message_encoding (None | str | Unset): The message's charset, e.g. UTF-8.
        alt_text (None | str | Unset): Text shown under the code.
    """

    format_: PassOperationFormat
    message: AppLinks | list[OperationTextItem] | OperationImage | str
    message_encoding: None | str | Unset = UNSET
    alt_text: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.app_links import AppLinks
        from ..models.operation_image import OperationImage

        format_ = self.format_.value

        message: dict[str, Any] | list[dict[str, Any]] | str
        if isinstance(self.message, list):
            message = []
            for message_type_1_item_data in self.message:
                message_type_1_item = message_type_1_item_data.to_dict()
                message.append(message_type_1_item)

        elif isinstance(self.message, OperationImage) or isinstance(
            self.message, AppLinks
        ):
            message = self.message.to_dict()
        else:
            message = self.message

        message_encoding: None | str | Unset
        if isinstance(self.message_encoding, Unset):
            message_encoding = UNSET
        else:
            message_encoding = self.message_encoding

        alt_text: None | str | Unset
        if isinstance(self.alt_text, Unset):
            alt_text = UNSET
        else:
            alt_text = self.alt_text

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "format": format_,
                "message": message,
            }
        )
        if message_encoding is not UNSET:
            field_dict["messageEncoding"] = message_encoding
        if alt_text is not UNSET:
            field_dict["altText"] = alt_text

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.app_links import AppLinks
        from ..models.operation_image import OperationImage
        from ..models.operation_text_item import OperationTextItem

        d = dict(src_dict)
        format_ = PassOperationFormat(d.pop("format"))

        def _parse_message(
            data: object,
        ) -> AppLinks | list[OperationTextItem] | OperationImage | str:
            try:
                if not isinstance(data, list):
                    raise TypeError()
                message_type_1 = []
                _message_type_1 = data
                for message_type_1_item_data in _message_type_1:
                    message_type_1_item = OperationTextItem.from_dict(
                        message_type_1_item_data
                    )

                    message_type_1.append(message_type_1_item)

                return message_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                message_type_2 = OperationImage.from_dict(data)

                return message_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                message_type_3 = AppLinks.from_dict(data)

                return message_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AppLinks | list[OperationTextItem] | OperationImage | str, data)

        message = _parse_message(d.pop("message"))

        def _parse_message_encoding(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message_encoding = _parse_message_encoding(d.pop("messageEncoding", UNSET))

        def _parse_alt_text(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        alt_text = _parse_alt_text(d.pop("altText", UNSET))

        pass_operation = cls(
            format_=format_,
            message=message,
            message_encoding=message_encoding,
            alt_text=alt_text,
        )

        return pass_operation
