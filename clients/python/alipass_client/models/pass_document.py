from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.evoucher_info import EvoucherInfo
    from ..models.pass_app_info import PassAppInfo
    from ..models.pass_document_alipay_verify_type_0_item import (
        PassDocumentAlipayVerifyType0Item,
    )
    from ..models.pass_file_info import PassFileInfo
    from ..models.pass_merchant import PassMerchant
    from ..models.pass_platform import PassPlatform
    from ..models.pass_style import PassStyle


T = TypeVar("T", bound="PassDocument")


@_attrs_define
class PassDocument:
    """The pass document (pass.json).

    Attributes:
        evoucher_info (EvoucherInfo): The voucher: title, kind, validity, layout and operations. An endDate before the
            startDate is refused (KP.AE_ALIPASS_DATE_ERROR).
        file_info (PassFileInfo): The pass file's settings.
        merchant (PassMerchant): The merchant shown on the pass.
        platform (PassPlatform): Where the pass is issued from.
        style (None | PassStyle | Unset):
        app_info (None | PassAppInfo | Unset):
        source (None | str | Unset): Where the pass comes from.
        alipay_verify (list[PassDocumentAlipayVerifyType0Item] | None | Unset):
    """

    evoucher_info: EvoucherInfo
    file_info: PassFileInfo
    merchant: PassMerchant
    platform: PassPlatform
    style: None | PassStyle | Unset = UNSET
    app_info: None | PassAppInfo | Unset = UNSET
    source: None | str | Unset = UNSET
    alipay_verify: list[PassDocumentAlipayVerifyType0Item] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.pass_app_info import PassAppInfo
        from ..models.pass_style import PassStyle

        evoucher_info = self.evoucher_info.to_dict()

        file_info = self.file_info.to_dict()

        merchant = self.merchant.to_dict()

        platform = self.platform.to_dict()

        style: dict[str, Any] | None | Unset
        if isinstance(self.style, Unset):
            style = UNSET
        elif isinstance(self.style, PassStyle):
            style = self.style.to_dict()
        else:
            style = self.style

        app_info: dict[str, Any] | None | Unset
        if isinstance(self.app_info, Unset):
            app_info = UNSET
        elif isinstance(self.app_info, PassAppInfo):
            app_info = self.app_info.to_dict()
        else:
            app_info = self.app_info

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        alipay_verify: list[dict[str, Any]] | None | Unset
        if isinstance(self.alipay_verify, Unset):
            alipay_verify = UNSET
        elif isinstance(self.alipay_verify, list):
            alipay_verify = []
            for alipay_verify_type_0_item_data in self.alipay_verify:
                alipay_verify_type_0_item = alipay_verify_type_0_item_data.to_dict()
                alipay_verify.append(alipay_verify_type_0_item)

        else:
            alipay_verify = self.alipay_verify

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "evoucherInfo": evoucher_info,
                "fileInfo": file_info,
                "merchant": merchant,
                "platform": platform,
            }
        )
        if style is not UNSET:
            field_dict["style"] = style
        if app_info is not UNSET:
            field_dict["appInfo"] = app_info
        if source is not UNSET:
            field_dict["source"] = source
        if alipay_verify is not UNSET:
            field_dict["alipayVerify"] = alipay_verify

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.evoucher_info import EvoucherInfo
        from ..models.pass_app_info import PassAppInfo
        from ..models.pass_document_alipay_verify_type_0_item import (
            PassDocumentAlipayVerifyType0Item,
        )
        from ..models.pass_file_info import PassFileInfo
        from ..models.pass_merchant import PassMerchant
        from ..models.pass_platform import PassPlatform
        from ..models.pass_style import PassStyle

        d = dict(src_dict)
        evoucher_info = EvoucherInfo.from_dict(d.pop("evoucherInfo"))

        file_info = PassFileInfo.from_dict(d.pop("fileInfo"))

        merchant = PassMerchant.from_dict(d.pop("merchant"))

        platform = PassPlatform.from_dict(d.pop("platform"))

        def _parse_style(data: object) -> None | PassStyle | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                style_type_0 = PassStyle.from_dict(data)

                return style_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PassStyle | Unset, data)

        style = _parse_style(d.pop("style", UNSET))

        def _parse_app_info(data: object) -> None | PassAppInfo | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                app_info_type_0 = PassAppInfo.from_dict(data)

                return app_info_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PassAppInfo | Unset, data)

        app_info = _parse_app_info(d.pop("appInfo", UNSET))

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        def _parse_alipay_verify(
            data: object,
        ) -> list[PassDocumentAlipayVerifyType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                alipay_verify_type_0 = []
                _alipay_verify_type_0 = data
                for alipay_verify_type_0_item_data in _alipay_verify_type_0:
                    alipay_verify_type_0_item = (
                        PassDocumentAlipayVerifyType0Item.from_dict(
                            alipay_verify_type_0_item_data
                        )
                    )

                    alipay_verify_type_0.append(alipay_verify_type_0_item)

                return alipay_verify_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[PassDocumentAlipayVerifyType0Item] | None | Unset, data)

        alipay_verify = _parse_alipay_verify(d.pop("alipayVerify", UNSET))

        pass_document = cls(
            evoucher_info=evoucher_info,
            file_info=file_info,
            merchant=merchant,
            platform=platform,
            style=style,
            app_info=app_info,
            source=source,
            alipay_verify=alipay_verify,
        )

        return pass_document
