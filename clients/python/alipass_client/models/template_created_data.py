from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.template_view import TemplateView


T = TypeVar("T", bound="TemplateCreatedData")


@_attrs_define
class TemplateCreatedData:
    """`template.created`: a template Alipay accepted (CREATED, or NEEDS_ALIPAY_ID when its
    answer named no id).

        Attributes:
            template (TemplateView):  Example: {'id': '01a25200-bbc0-714c-9522-260b01ac12cc', 'unique_id': 'summer-2026',
                'status': 'CREATED', 'alipay_template_id': '2026120803350900000000001', 'params': ['validStartDate',
                'validEndDate', 'ackCode', 'logoText', 'useStateDesc', 'discountInfo', 'channelID', 'serialNumber'], 'content':
                {'icon': None, 'logo': 'https://alipass.alipay.com//temps/free/logo.png', 'strip':
                'https://alipass.alipay.com//temps/free/strip.png', 'content': {'style': {'backgroundColor': 'RGB(255,126,0)'},
                'source': 'alipassprod', 'appInfo': {'app': {'ios_appid': 'taobaolife://', 'ios_launch': 'taobaolife://',
                'ios_download': 'https://itunes.apple.com/cn/app/id583295537', 'android_appid': 'com.taobao.ecoupon',
                'android_launch': 'com.taobao.ecoupon', 'android_download':
                'http://download.taobaocdn.com/freedom/17988/andriod/Ecoupon_2.0.1_taobao_wap.apk'}, 'label': '淘宝券券APP',
                'message': '点击调起APP'}, 'fileInfo': {'canBuy': False, 'canShare': True, 'canPresent': True, 'supportTaxi':
                'true', 'serialNumber': '$serialNumber$', 'formatVersion': '2', 'taxiSchemaUrl': 'alipays://platformapi/startapp
                ?appId=20000130&sourceId=20000030&showTitleBar=YES&showToolBar=NO&showLoading=NO&safePayEnabled=YES&readTitle=YE
                S&backBehavior=back&url=/www/index.html'}, 'merchant': {'mtel': '', 'minfo': '', 'mname': 'hodewu',
                'mshortName': 'hodewu'}, 'platform': {'channelID': '$channelID$', 'channelScene': 'server', 'webServiceUrl':
                'http://alipassprod.test.alipay.net/builder/syncRecord.htm?tempId=2016062716334639647179025'}, 'alipayVerify':
                [], 'evoucherInfo': {'type': 'coupon', 'einfo': {'logoText': '$logoText$', 'backFields': [{'key': 'description',
                'type': 'text', 'label': '详情描述', 'value':
                '1.该优惠有效期:截止至2014年06月18日;\\n2.凭此券可以享受以下优惠:\\n享门市价优惠\\n不与其他优惠同享。详询商家。'}, {'key': 'shops', 'type': 'text',
                'label': '可用门店', 'value': ''}, {'key': 'tel', 'type': 'tel', 'label': '商家电话', 'value': '0571-88888888'}, {'key':
                'disclaimer', 'type': 'text', 'label': '负责声明', 'value': '除特殊注明外,本优惠不能与其他优惠同时享受; 本优惠最终解释权归商家所有,如有疑问请与商家联系。
                提示:为了使您得到更好的服务,请在进店时出示本券。'}], 'headFields': [{'key': 'status', 'type': 'text', 'label': '状态', 'value':
                '$useStateDesc$'}], 'primaryFields': [{'key': 'strip', 'type': 'text', 'label': '', 'value': '$discountInfo$'}],
                'secendLogoText': '四季风情', 'auxiliaryFields': [], 'secondaryFields': [{'key': 'validDate', 'type': 'text',
                'label': '有效期至:', 'value': '$validEndDate$'}]}, 'title': '风情优惠券', 'endDate': '$validEndDate$', 'goodsId':
                'goods-20160627-001', 'product': 'free', 'operation': [{'format': 'qrcode', 'altText': '45612346579465',
                'message': '45612346579465', 'messageEncoding': 'UTF-8'}, {'format': 'wave', 'altText': '$ackCode$', 'message':
                '$ackCode$', 'messageEncoding': 'UTF-8'}, {'format': 'text', 'altText': '兑换码', 'message': [{'label': '序列号',
                'value': '$ackCode$'}, {'label': '验证码', 'value': '4958'}], 'messageEncoding': 'utf-8'}], 'startDate':
                '$validStartDate$', 'remindInfo': {'offset': '3600'}}}}, 'failure_code': None, 'version': 1, 'update_pending':
                False, 'update_needs_confirmation': False, 'created_at': '2026-12-07T19:35:09.505292Z', 'updated_at':
                '2026-12-07T19:35:09.556537846Z'}.
    """

    template: TemplateView
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
        from ..models.template_view import TemplateView

        d = dict(src_dict)
        template = TemplateView.from_dict(d.pop("template"))

        template_created_data = cls(
            template=template,
        )

        template_created_data.additional_properties = d
        return template_created_data

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
