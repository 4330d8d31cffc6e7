from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.template_status import TemplateStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.finding import Finding
    from ..models.template_content import TemplateContent


T = TypeVar("T", bound="PageTemplateViewItemsItem")


@_attrs_define
class PageTemplateViewItemsItem:
    """
    Attributes:
        id (UUID):
        unique_id (str): Your idempotency key for the template.
        status (TemplateStatus): PENDING → CREATED | NEEDS_ALIPAY_ID | FAILED.
        params (list[str]): The `$var$` parameters every pass of this template must fill.
        content (TemplateContent): A pass template (Alipay's tpl_content): images and the pass document. Every string
            must be encodable in GBK (KP.AE_ALIPASS_CHAR_NOT_GBK); a string may hold `$name$` parameters, filled by each
            pass's `params`; as compact JSON the whole is at most `limits.tpl_content_max_chars` characters (65000 by
            default). POST /v1/templates/validate reports every rule a content breaks. Example: {'logo':
            'https://alipass.alipay.com//temps/free/logo.png', 'strip': 'https://alipass.alipay.com//temps/free/strip.png',
            'icon': None, 'content': {'evoucherInfo': {'goodsId': 'goods-20160627-001', 'title': '风情优惠券', 'type': 'coupon',
            'product': 'free', 'startDate': '$validStartDate$', 'endDate': '$validEndDate$', 'operation': [{'format':
            'qrcode', 'message': '45612346579465', 'messageEncoding': 'UTF-8', 'altText': '45612346579465'}, {'format':
            'wave', 'message': '$ackCode$', 'messageEncoding': 'UTF-8', 'altText': '$ackCode$'}, {'format': 'text',
            'message': [{'label': '序列号', 'value': '$ackCode$'}, {'label': '验证码', 'value': '4958'}], 'messageEncoding':
            'utf-8', 'altText': '兑换码'}], 'einfo': {'logoText': '$logoText$', 'secendLogoText': '四季风情', 'headFields':
            [{'key': 'status', 'label': '状态', 'value': '$useStateDesc$', 'type': 'text'}], 'primaryFields': [{'key':
            'strip', 'label': '', 'value': '$discountInfo$', 'type': 'text'}], 'secondaryFields': [{'key': 'validDate',
            'label': '有效期至:', 'value': '$validEndDate$', 'type': 'text'}], 'auxiliaryFields': [], 'backFields': [{'key':
            'description', 'label': '详情描述', 'value': '1.该优惠有效期:截止至2014年06月18日;\\n2.凭此券可以享受以下优惠:\\n享门市价优惠\\n不与其他优惠同享。详询商家。',
            'type': 'text'}, {'key': 'shops', 'label': '可用门店', 'value': '', 'type': 'text'}, {'key': 'tel', 'label': '商家电话',
            'value': '0571-88888888', 'type': 'tel'}, {'key': 'disclaimer', 'label': '负责声明', 'value':
            '除特殊注明外,本优惠不能与其他优惠同时享受; 本优惠最终解释权归商家所有,如有疑问请与商家联系。 提示:为了使您得到更好的服务,请在进店时出示本券。', 'type': 'text'}]}, 'remindInfo':
            {'offset': '3600'}}, 'merchant': {'mname': 'hodewu', 'mshortName': 'hodewu', 'mtel': '', 'minfo': ''},
            'platform': {'channelID': '$channelID$', 'channelScene': 'server', 'webServiceUrl':
            'http://alipassprod.test.alipay.net/builder/syncRecord.htm?tempId=2016062716334639647179025'}, 'style':
            {'backgroundColor': 'RGB(255,126,0)'}, 'fileInfo': {'formatVersion': '2', 'canShare': True, 'canBuy': False,
            'canPresent': True, 'serialNumber': '$serialNumber$', 'supportTaxi': 'true', 'taxiSchemaUrl': 'alipays://platfor
            mapi/startapp?appId=20000130&sourceId=20000030&showTitleBar=YES&showToolBar=NO&showLoading=NO&safePayEnabled=YES
            &readTitle=YES&backBehavior=back&url=/www/index.html'}, 'appInfo': {'app': {'android_appid':
            'com.taobao.ecoupon', 'ios_appid': 'taobaolife://', 'android_launch': 'com.taobao.ecoupon', 'ios_launch':
            'taobaolife://', 'android_download':
            'http://download.taobaocdn.com/freedom/17988/andriod/Ecoupon_2.0.1_taobao_wap.apk', 'ios_download':
            'https://itunes.apple.com/cn/app/id583295537'}, 'label': '淘宝券券APP', 'message': '点击调起APP'}, 'source':
            'alipassprod', 'alipayVerify': []}}.
        version (int):
        update_pending (bool): An update was sent and awaits its outcome (the content above is the last one known
            to be at Alipay); a retry of the same update or the reconciler settles it.
        update_needs_confirmation (bool): No answer could prove whether the pending update applied: an operator must say
            (`POST /v1/templates/{id}/pending-update/resolution`).
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        alipay_template_id (None | str | Unset): Alipay's template id (tpl_id).
        warnings (list[Finding] | Unset):
        failure_code (None | str | Unset):
    """

    id: UUID
    unique_id: str
    status: TemplateStatus
    params: list[str]
    content: TemplateContent
    version: int
    update_pending: bool
    update_needs_confirmation: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    alipay_template_id: None | str | Unset = UNSET
    warnings: list[Finding] | Unset = UNSET
    failure_code: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        unique_id = self.unique_id

        status = self.status.value

        params = self.params

        content = self.content.to_dict()

        version = self.version

        update_pending = self.update_pending

        update_needs_confirmation = self.update_needs_confirmation

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        alipay_template_id: None | str | Unset
        if isinstance(self.alipay_template_id, Unset):
            alipay_template_id = UNSET
        else:
            alipay_template_id = self.alipay_template_id

        warnings: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.warnings, Unset):
            warnings = []
            for warnings_item_data in self.warnings:
                warnings_item = warnings_item_data.to_dict()
                warnings.append(warnings_item)

        failure_code: None | str | Unset
        if isinstance(self.failure_code, Unset):
            failure_code = UNSET
        else:
            failure_code = self.failure_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "unique_id": unique_id,
                "status": status,
                "params": params,
                "content": content,
                "version": version,
                "update_pending": update_pending,
                "update_needs_confirmation": update_needs_confirmation,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if alipay_template_id is not UNSET:
            field_dict["alipay_template_id"] = alipay_template_id
        if warnings is not UNSET:
            field_dict["warnings"] = warnings
        if failure_code is not UNSET:
            field_dict["failure_code"] = failure_code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.finding import Finding
        from ..models.template_content import TemplateContent

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        unique_id = d.pop("unique_id")

        status = TemplateStatus(d.pop("status"))

        params = cast(list[str], d.pop("params"))

        content = TemplateContent.from_dict(d.pop("content"))

        version = d.pop("version")

        update_pending = d.pop("update_pending")

        update_needs_confirmation = d.pop("update_needs_confirmation")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_alipay_template_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        alipay_template_id = _parse_alipay_template_id(
            d.pop("alipay_template_id", UNSET)
        )

        _warnings = d.pop("warnings", UNSET)
        warnings: list[Finding] | Unset = UNSET
        if _warnings is not UNSET:
            warnings = []
            for warnings_item_data in _warnings:
                warnings_item = Finding.from_dict(warnings_item_data)

                warnings.append(warnings_item)

        def _parse_failure_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        failure_code = _parse_failure_code(d.pop("failure_code", UNSET))

        page_template_view_items_item = cls(
            id=id,
            unique_id=unique_id,
            status=status,
            params=params,
            content=content,
            version=version,
            update_pending=update_pending,
            update_needs_confirmation=update_needs_confirmation,
            created_at=created_at,
            updated_at=updated_at,
            alipay_template_id=alipay_template_id,
            warnings=warnings,
            failure_code=failure_code,
        )

        page_template_view_items_item.additional_properties = d
        return page_template_view_items_item

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
