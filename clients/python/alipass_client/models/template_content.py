from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pass_document import PassDocument


T = TypeVar("T", bound="TemplateContent")


@_attrs_define
class TemplateContent:
    """A pass template (Alipay's tpl_content): images and the pass document. Every string must be encodable in GBK
    (KP.AE_ALIPASS_CHAR_NOT_GBK); a string may hold `$name$` parameters, filled by each pass's `params`; as compact JSON
    the whole is at most `limits.tpl_content_max_chars` characters (65000 by default). POST /v1/templates/validate
    reports every rule a content breaks.

        Example:
            {'logo': 'https://alipass.alipay.com//temps/free/logo.png', 'strip':
                'https://alipass.alipay.com//temps/free/strip.png', 'icon': None, 'content': {'evoucherInfo': {'goodsId':
                'goods-20160627-001', 'title': '风情优惠券', 'type': 'coupon', 'product': 'free', 'startDate': '$validStartDate$',
                'endDate': '$validEndDate$', 'operation': [{'format': 'qrcode', 'message': '45612346579465', 'messageEncoding':
                'UTF-8', 'altText': '45612346579465'}, {'format': 'wave', 'message': '$ackCode$', 'messageEncoding': 'UTF-8',
                'altText': '$ackCode$'}, {'format': 'text', 'message': [{'label': '序列号', 'value': '$ackCode$'}, {'label': '验证码',
                'value': '4958'}], 'messageEncoding': 'utf-8', 'altText': '兑换码'}], 'einfo': {'logoText': '$logoText$',
                'secendLogoText': '四季风情', 'headFields': [{'key': 'status', 'label': '状态', 'value': '$useStateDesc$', 'type':
                'text'}], 'primaryFields': [{'key': 'strip', 'label': '', 'value': '$discountInfo$', 'type': 'text'}],
                'secondaryFields': [{'key': 'validDate', 'label': '有效期至:', 'value': '$validEndDate$', 'type': 'text'}],
                'auxiliaryFields': [], 'backFields': [{'key': 'description', 'label': '详情描述', 'value':
                '1.该优惠有效期:截止至2014年06月18日;\\n2.凭此券可以享受以下优惠:\\n享门市价优惠\\n不与其他优惠同享。详询商家。', 'type': 'text'}, {'key': 'shops',
                'label': '可用门店', 'value': '', 'type': 'text'}, {'key': 'tel', 'label': '商家电话', 'value': '0571-88888888', 'type':
                'tel'}, {'key': 'disclaimer', 'label': '负责声明', 'value': '除特殊注明外,本优惠不能与其他优惠同时享受; 本优惠最终解释权归商家所有,如有疑问请与商家联系。
                提示:为了使您得到更好的服务,请在进店时出示本券。', 'type': 'text'}]}, 'remindInfo': {'offset': '3600'}}, 'merchant': {'mname':
                'hodewu', 'mshortName': 'hodewu', 'mtel': '', 'minfo': ''}, 'platform': {'channelID': '$channelID$',
                'channelScene': 'server', 'webServiceUrl':
                'http://alipassprod.test.alipay.net/builder/syncRecord.htm?tempId=2016062716334639647179025'}, 'style':
                {'backgroundColor': 'RGB(255,126,0)'}, 'fileInfo': {'formatVersion': '2', 'canShare': True, 'canBuy': False,
                'canPresent': True, 'serialNumber': '$serialNumber$', 'supportTaxi': 'true', 'taxiSchemaUrl': 'alipays://platfor
                mapi/startapp?appId=20000130&sourceId=20000030&showTitleBar=YES&showToolBar=NO&showLoading=NO&safePayEnabled=YES
                &readTitle=YES&backBehavior=back&url=/www/index.html'}, 'appInfo': {'app': {'android_appid':
                'com.taobao.ecoupon', 'ios_appid': 'taobaolife://', 'android_launch': 'com.taobao.ecoupon', 'ios_launch':
                'taobaolife://', 'android_download':
                'http://download.taobaocdn.com/freedom/17988/andriod/Ecoupon_2.0.1_taobao_wap.apk', 'ios_download':
                'https://itunes.apple.com/cn/app/id583295537'}, 'label': '淘宝券券APP', 'message': '点击调起APP'}, 'source':
                'alipassprod', 'alipayVerify': []}}

        Attributes:
            logo (str): The logo: an http(s) URL or a `$var$`.
            content (PassDocument): The pass document (pass.json).
            icon (None | str | Unset): The icon: an http(s) URL, a `$var$`, or empty.
            strip (None | str | Unset): The strip image: an http(s) URL, a `$var$`, or empty.
    """

    logo: str
    content: PassDocument
    icon: None | str | Unset = UNSET
    strip: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        logo = self.logo

        content = self.content.to_dict()

        icon: None | str | Unset
        if isinstance(self.icon, Unset):
            icon = UNSET
        else:
            icon = self.icon

        strip: None | str | Unset
        if isinstance(self.strip, Unset):
            strip = UNSET
        else:
            strip = self.strip

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "logo": logo,
                "content": content,
            }
        )
        if icon is not UNSET:
            field_dict["icon"] = icon
        if strip is not UNSET:
            field_dict["strip"] = strip

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.pass_document import PassDocument

        d = dict(src_dict)
        logo = d.pop("logo")

        content = PassDocument.from_dict(d.pop("content"))

        def _parse_icon(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        icon = _parse_icon(d.pop("icon", UNSET))

        def _parse_strip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        strip = _parse_strip(d.pop("strip", UNSET))

        template_content = cls(
            logo=logo,
            content=content,
            icon=icon,
            strip=strip,
        )

        return template_content
