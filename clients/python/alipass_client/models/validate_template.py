from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ValidateTemplate")


@_attrs_define
class ValidateTemplate:
    """
    Example:
        {'content': {'logo': 'https://alipass.alipay.com//temps/free/logo.png', 'strip':
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
            'alipassprod', 'alipayVerify': []}}}

    Attributes:
        content (Any): Any JSON value: checked against every rule of a TemplateContent (or, as text, its
            JSON). What breaks a rule is reported in the answer, not refused.
    """

    content: Any
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content = self.content

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content": content,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        content = d.pop("content")

        validate_template = cls(
            content=content,
        )

        validate_template.additional_properties = d
        return validate_template

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
