from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.evoucher_info_product import EvoucherInfoProduct
from ..models.evoucher_info_type import EvoucherInfoType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.einfo import Einfo
    from ..models.pass_operation import PassOperation
    from ..models.remind_info import RemindInfo


T = TypeVar("T", bound="EvoucherInfo")


@_attrs_define
class EvoucherInfo:
    """The voucher: title, kind, validity, layout and operations. An endDate before the startDate is refused
    (KP.AE_ALIPASS_DATE_ERROR).

        Attributes:
            title (str): The pass's title.
            type_ (EvoucherInfoType): The pass kind.
            product (EvoucherInfoProduct): The product; train, boarding, air and bus need their business keys in einfo
                (from, to, and trainNo, fltNo or busNo).
            start_date (str): Valid from: `yyyy-MM-dd HH:mm:ss` (padded or not, a real instant, Beijing time), or a single
                `$var$` whose value must be such a date.
            end_date (str): Valid until: `yyyy-MM-dd HH:mm:ss` (padded or not, a real instant, Beijing time), or a single
                `$var$` whose value must be such a date.
            einfo (Einfo): The card's layout. At least one region holds a unit; a key repeated in einfo is a warning, except
                the product's business keys, which must appear once with a value.
            operation (list[PassOperation]): What the pass shows to be redeemed; at least one.
            goods_id (None | str | Unset): The merchant's goods id.
            remind_info (None | RemindInfo | Unset):
    """

    title: str
    type_: EvoucherInfoType
    product: EvoucherInfoProduct
    start_date: str
    end_date: str
    einfo: Einfo
    operation: list[PassOperation]
    goods_id: None | str | Unset = UNSET
    remind_info: None | RemindInfo | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.remind_info import RemindInfo

        title = self.title

        type_ = self.type_.value

        product = self.product.value

        start_date = self.start_date

        end_date = self.end_date

        einfo = self.einfo.to_dict()

        operation = []
        for operation_item_data in self.operation:
            operation_item = operation_item_data.to_dict()
            operation.append(operation_item)

        goods_id: None | str | Unset
        if isinstance(self.goods_id, Unset):
            goods_id = UNSET
        else:
            goods_id = self.goods_id

        remind_info: dict[str, Any] | None | Unset
        if isinstance(self.remind_info, Unset):
            remind_info = UNSET
        elif isinstance(self.remind_info, RemindInfo):
            remind_info = self.remind_info.to_dict()
        else:
            remind_info = self.remind_info

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "title": title,
                "type": type_,
                "product": product,
                "startDate": start_date,
                "endDate": end_date,
                "einfo": einfo,
                "operation": operation,
            }
        )
        if goods_id is not UNSET:
            field_dict["goodsId"] = goods_id
        if remind_info is not UNSET:
            field_dict["remindInfo"] = remind_info

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.einfo import Einfo
        from ..models.pass_operation import PassOperation
        from ..models.remind_info import RemindInfo

        d = dict(src_dict)
        title = d.pop("title")

        type_ = EvoucherInfoType(d.pop("type"))

        product = EvoucherInfoProduct(d.pop("product"))

        start_date = d.pop("startDate")

        end_date = d.pop("endDate")

        einfo = Einfo.from_dict(d.pop("einfo"))

        operation = []
        _operation = d.pop("operation")
        for operation_item_data in _operation:
            operation_item = PassOperation.from_dict(operation_item_data)

            operation.append(operation_item)

        def _parse_goods_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        goods_id = _parse_goods_id(d.pop("goodsId", UNSET))

        def _parse_remind_info(data: object) -> None | RemindInfo | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                remind_info_type_0 = RemindInfo.from_dict(data)

                return remind_info_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RemindInfo | Unset, data)

        remind_info = _parse_remind_info(d.pop("remindInfo", UNSET))

        evoucher_info = cls(
            title=title,
            type_=type_,
            product=product,
            start_date=start_date,
            end_date=end_date,
            einfo=einfo,
            operation=operation,
            goods_id=goods_id,
            remind_info=remind_info,
        )

        return evoucher_info
