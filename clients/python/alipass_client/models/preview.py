from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.finding import Finding


T = TypeVar("T", bound="Preview")


@_attrs_define
class Preview:
    """
    Example:
        {'document': {'icon': None, 'logo': 'https://alipass.alipay.com//temps/free/logo.png', 'strip':
            'https://alipass.alipay.com//temps/free/strip.png', 'content': {'style': {'backgroundColor': 'RGB(255,126,0)'},
            'source': 'alipassprod', 'appInfo': {'app': {'ios_appid': 'taobaolife://', 'ios_launch': 'taobaolife://',
            'ios_download': 'https://itunes.apple.com/cn/app/id583295537', 'android_appid': 'com.taobao.ecoupon',
            'android_launch': 'com.taobao.ecoupon', 'android_download':
            'http://download.taobaocdn.com/freedom/17988/andriod/Ecoupon_2.0.1_taobao_wap.apk'}, 'label': '淘宝券券APP',
            'message': '点击调起APP'}, 'fileInfo': {'canBuy': False, 'canShare': True, 'canPresent': True, 'supportTaxi':
            'true', 'serialNumber': 'PREVIEW-0001', 'formatVersion': '2', 'taxiSchemaUrl': 'alipays://platformapi/startapp?a
            ppId=20000130&sourceId=20000030&showTitleBar=YES&showToolBar=NO&showLoading=NO&safePayEnabled=YES&readTitle=YES&
            backBehavior=back&url=/www/index.html'}, 'merchant': {'mtel': '', 'minfo': '', 'mname': 'hodewu', 'mshortName':
            'hodewu'}, 'platform': {'channelID': 'PREVIEW', 'channelScene': 'server', 'webServiceUrl':
            'http://alipassprod.test.alipay.net/builder/syncRecord.htm?tempId=2016062716334639647179025'}, 'alipayVerify':
            [], 'evoucherInfo': {'type': 'coupon', 'einfo': {'logoText': 'Summer', 'backFields': [{'key': 'description',
            'type': 'text', 'label': '详情描述', 'value':
            '1.该优惠有效期:截止至2014年06月18日;\\n2.凭此券可以享受以下优惠:\\n享门市价优惠\\n不与其他优惠同享。详询商家。'}, {'key': 'shops', 'type': 'text',
            'label': '可用门店', 'value': ''}, {'key': 'tel', 'type': 'tel', 'label': '商家电话', 'value': '0571-88888888'}, {'key':
            'disclaimer', 'type': 'text', 'label': '负责声明', 'value': '除特殊注明外,本优惠不能与其他优惠同时享受; 本优惠最终解释权归商家所有,如有疑问请与商家联系。
            提示:为了使您得到更好的服务,请在进店时出示本券。'}], 'headFields': [{'key': 'status', 'type': 'text', 'label': '状态', 'value':
            '$useStateDesc$'}], 'primaryFields': [{'key': 'strip', 'type': 'text', 'label': '', 'value': '9 折'}],
            'secendLogoText': '四季风情', 'auxiliaryFields': [], 'secondaryFields': [{'key': 'validDate', 'type': 'text',
            'label': '有效期至:', 'value': '$validEndDate$'}]}, 'title': '风情优惠券', 'endDate': '$validEndDate$', 'goodsId':
            'goods-20160627-001', 'product': 'free', 'operation': [{'format': 'qrcode', 'altText': '45612346579465',
            'message': '45612346579465', 'messageEncoding': 'UTF-8'}, {'format': 'wave', 'altText': '$ackCode$', 'message':
            '$ackCode$', 'messageEncoding': 'UTF-8'}, {'format': 'text', 'altText': '兑换码', 'message': [{'label': '序列号',
            'value': '$ackCode$'}, {'label': '验证码', 'value': '4958'}], 'messageEncoding': 'utf-8'}], 'startDate':
            '$validStartDate$', 'remindInfo': {'offset': '3600'}}}}, 'params': ['serialNumber', 'channelID', 'logoText',
            'useStateDesc', 'discountInfo', 'validEndDate', 'ackCode', 'validStartDate'], 'errors': [{'path':
            '$.params.useStateDesc', 'message': "'useStateDesc' is a parameter of this template and needs a value",
            'alipay_code': 'KP.AE_ALIPASS_PARAME_IS_NULL', 'severity': 'error'}, {'path': '$.params.validEndDate',
            'message': "'validEndDate' is a parameter of this template and needs a value", 'alipay_code':
            'KP.AE_ALIPASS_PARAME_IS_NULL', 'severity': 'error'}, {'path': '$.params.ackCode', 'message': "'ackCode' is a
            parameter of this template and needs a value", 'alipay_code': 'KP.AE_ALIPASS_PARAME_IS_NULL', 'severity':
            'error'}, {'path': '$.params.validStartDate', 'message': "'validStartDate' is a parameter of this template and
            needs a value", 'alipay_code': 'KP.AE_ALIPASS_PARAME_IS_NULL', 'severity': 'error'}], 'warnings': [], 'html':
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Pass preview</title><style>.card{max-
            width:360px;border-radius:14px;background:#5a6b7d;color:#fff;font:14px/1.4 system-ui,sans-
            serif;overflow:hidden;box-shadow:0 4px 16px rgba(0,0,0,.25);margin:8px 0}\\n.card header{display:flex;align-
            items:center;gap:10px;padding:12px}\\n.card .logo{width:40px;height:40px;border-radius:50%;background-
            color:rgba(255,255
            ,255,.35);background-size:cover;background-position:center;flex:none}\\n.car
            d .logotexts{display:flex;flex-direction:column;flex:1}\\n.card .logotexts span{opacity:.8;font-
            size:12px}\\n.card .head{text-align:right;font-size:12px}\\n.card .title{margin:0;padding:0 12px 8px;font-
            size:20px}\\n.card .strip{min-height:90px;background-color:rgba(0,0,0,.18);background-size:cover;background-
            position:center;display:flex;align-items:flex-end;padding:8px 12px}\\n.card .primary .value{font-size:22px;font-
            weight:600}\\n.card .field{display:flex;flex-direction:column;margin-right:14px}\\n.card .field .label{font-
            size:11px;opacity:.8}\\n.card .secondary,.card .auxiliary{display:flex;flex-wrap:wrap;padding:8px 12px
            0}\\n.card .validity{padding:4px 12px;font-size:12px;opacity:.9;margin:0}\\n.card
            .operations{background:#fff;color:#222;padding:12px;display:flex;flex-direct
            ion:column;align-items:center;gap:8px}\\n.card .operation{margin:0;text-align:center}\\n.card .operation
            svg{display:block;margin:0 auto;max-width:220px;height:auto}\\n.card .operation.text{display:grid;grid-template-
            columns:auto auto;gap:2px 10px;text-align:left}\\n.card .operation.text dt{color:#666}\\n.card
            details{background:#fff;color:#222;padding:0 12px 12px}\\n.card details
            summary{cursor:pointer;color:#1677ff}\\n.card .back dt{font-weight:600;margin-top:6px}\\n.card .back
            dd{margin:0;white-space:pre-wrap}\\n.card-preview{background:rgb(255,126,0)}
            .card-preview .logo{background-image:url("https://alipass.alipay.com//temps/free/logo.png")}.card-preview
            .strip{background-image:url("https://alipass.alipay.com//temps/free/strip.png")}</style></head><body><article
            class="card card-preview"><header><div class="logo" title="logo"></div><div
            class="logotexts"><strong>Summer</strong><span>四季风情</span></div><div class="head"><div class="field"><span
            class="label">状态</span><span class="value">$useStateDesc$</span></div></div></header><h2
            class="title">风情优惠券</h2><div class="strip" title="strip"><div class="primary"><div class="field"><span
            class="label"></span><span class="value">9 折</span></div></div></div><div class="secondary"><div
            class="field"><span class="label">有效期至:</span><span class="value">$validEndDate$</span></div></div><div
            class="auxiliary"></div><p class="validity">Valid $validStartDate$ – $validEndDate$</p><div
            class="operations"><figure class="operation qrcode"><svg xmlns="http://www.w3.org/2000/svg" version="1.1"
            width="174" height="174" viewBox="0 0 174 174" shape-rendering="crispEdges"><rect x="0" y="0" width="174"
            height="174" fill="#fff"/><path fill="#000" d="M24 24h6v6H24V24M30 24h6v6H30V24M36 24h6v6H36V24M42
            24h6v6H42V24M48 24h6v6H48V24M54 24h6v6H54V24M60 24h6v6H60V24M78 24h6v6H78V24M108 24h6v6H108V24M114
            24h6v6H114V24M120 24h6v6H120V24M126 24h6v6H126V24M132 24h6v6H132V24M138 24h6v6H138V24M144 24h6v6H144V24M24
            30h6v6H24V30M60 30h6v6H60V30M90 30h6v6H90V30M108 30h6v6H108V30M144 30h6v6H144V30M24 36h6v6H24V36M36
            36h6v6H36V36M42 36h6v6H42V36M48 36h6v6H48V36M60 36h6v6H60V36M78 36h6v6H78V36M96 36h6v6H96V36M108
            36h6v6H108V36M120 36h6v6H120V36M126 36h6v6H126V36M132 36h6v6H132V36M144 36h6v6H144V36M24 42h6v6H24V42M36
            42h6v6H36V42M42 42h6v6H42V42M48 42h6v6H48V42M60 42h6v6H60V42M78 42h6v6H78V42M84 42h6v6H84V42M90 42h6v6H90V42M96
            42h6v6H96V42M108 42h6v6H108V42M120 42h6v6H120V42M126 42h6v6H126V42M132 42h6v6H132V42M144 42h6v6H144V42M24
            48h6v6H24V48M36 48h6v6H36V48M42 48h6v6H42V48M48 48h6v6H48V48M60 48h6v6H60V48M78 48h6v6H78V48M96 48h6v6H96V48M108
            48h6v6H108V48M120 48h6v6H120V48M126 48h6v6H126V48M132 48h6v6H132V48M144 48h6v6H144V48M24 54h6v6H24V54M60
            54h6v6H60V54M72 54h6v6H72V54M78 54h6v6H78V54M84 54h6v6H84V54M90 54h6v6H90V54M96 54h6v6H96V54M108
            54h6v6H108V54M144 54h6v6H144V54M24 60h6v6H24V60M30 60h6v6H30V60M36 60h6v6H36V60M42 60h6v6H42V60M48
            60h6v6H48V60M54 60h6v6H54V60M60 60h6v6H60V60M72 60h6v6H72V60M84 60h6v6H84V60M96 60h6v6H96V60M108
            60h6v6H108V60M114 60h6v6H114V60M120 60h6v6H120V60M126 60h6v6H126V60M132 60h6v6H132V60M138 60h6v6H138V60M144
            60h6v6H144V60M78 66h6v6H78V66M90 66h6v6H90V66M96 66h6v6H96V66M24 72h6v6H24V72M42 72h6v6H42V72M54 72h6v6H54V72M60
            72h6v6H60V72M72 72h6v6H72V72M102 72h6v6H102V72M114 72h6v6H114V72M36 78h6v6H36V78M42 78h6v6H42V78M54
            78h6v6H54V78M72 78h6v6H72V78M84 78h6v6H84V78M108 78h6v6H108V78M114 78h6v6H114V78M126 78h6v6H126V78M138
            78h6v6H138V78M30 84h6v6H30V84M36 84h6v6H36V84M42 84h6v6H42V84M60 84h6v6H60V84M66 84h6v6H66V84M72 84h6v6H72V84M78
            84h6v6H78V84M84 84h6v6H84V84M96 84h6v6H96V84M102 84h6v6H102V84M126 84h6v6H126V84M132 84h6v6H132V84M138
            84h6v6H138V84M24 90h6v6H24V90M54 90h6v6H54V90M66 90h6v6H66V90M72 90h6v6H72V90M90 90h6v6H90V90M114
            90h6v6H114V90M126 90h6v6H126V90M132 90h6v6H132V90M138 90h6v6H138V90M144 90h6v6H144V90M48 96h6v6H48V96M60
            96h6v6H60V96M78 96h6v6H78V96M84 96h6v6H84V96M96 96h6v6H96V96M108 96h6v6H108V96M120 96h6v6H120V96M138
            96h6v6H138V96M72 102h6v6H72V102M78 102h6v6H78V102M90 102h6v6H90V102M114 102h6v6H114V102M120 102h6v6H120V102M132
            102h6v6H132V102M138 102h6v6H138V102M24 108h6v6H24V108M30 108h6v6H30V108M36 108h6v6H36V108M42 108h6v6H42V108M48
            108h6v6H48V108M54 108h6v6H54V108M60 108h6v6H60V108M78 108h6v6H78V108M102 108h6v6H102V108M132 108h6v6H132V108M144
            108h6v6H144V108M24 114h6v6H24V114M60 114h6v6H60V114M72 114h6v6H72V114M78 114h6v6H78V114M90 114h6v6H90V114M96
            114h6v6H96V114M102 114h6v6H102V114M114 114h6v6H114V114M132 114h6v6H132V114M144 114h6v6H144V114M24
            120h6v6H24V120M36 120h6v6H36V120M42 120h6v6H42V120M48 120h6v6H48V120M60 120h6v6H60V120M78 120h6v6H78V120M90
            120h6v6H90V120M108 120h6v6H108V120M126 120h6v6H126V120M132 120h6v6H132V120M138 120h6v6H138V120M144
            120h6v6H144V120M24 126h6v6H24V126M36 126h6v6H36V126M42 126h6v6H42V126M48 126h6v6H48V126M60 126h6v6H60V126M72
            126h6v6H72V126M90 126h6v6H90V126M114 126h6v6H114V126M120 126h6v6H120V126M138 126h6v6H138V126M144
            126h6v6H144V126M24 132h6v6H24V132M36 132h6v6H36V132M42 132h6v6H42V132M48 132h6v6H48V132M60 132h6v6H60V132M96
            132h6v6H96V132M126 132h6v6H126V132M132 132h6v6H132V132M144 132h6v6H144V132M24 138h6v6H24V138M60
            138h6v6H60V138M78 138h6v6H78V138M84 138h6v6H84V138M102 138h6v6H102V138M108 138h6v6H108V138M114
            138h6v6H114V138M132 138h6v6H132V138M138 138h6v6H138V138M24 144h6v6H24V144M30 144h6v6H30V144M36 144h6v6H36V144M42
            144h6v6H42V144M48 144h6v6H48V144M54 144h6v6H54V144M60 144h6v6H60V144M72 144h6v6H72V144M84 144h6v6H84V144M90
            144h6v6H90V144M96 144h6v6H96V144M114 144h6v6H114V144M120 144h6v6H120V144M126 144h6v6H126V144M132
            144h6v6H132V144"/></svg><figcaption>45612346579465</figcaption></figure><p class="operation wave">Sound wave:
            $ackCode$</p><dl class="operation
            text"><dt>序列号</dt><dd>$ackCode$</dd><dt>验证码</dt><dd>4958</dd></dl></div><details><summary>details</summary><dl
            class="back"><dt>详情描述</dt><dd>1.该优惠有效期:截止至2014年06月18日;\\n2.凭此券可以享受以下优惠:\\n享门
            市价优惠\\n不与其他优惠同享。详询商家。</dd><dt>可用门店</dt><dd></dd><dt>商家电话</dt><dd>0571-888888
            88</dd><dt>负责声明</dt><dd>除特殊注明外,本优惠不能与其他优惠同时享受; 本优惠最终解释权归商家所有,如有疑问请与商家联系。
            提示:为了使您得到更好的服务,请在进店时出示本券。</dd></dl></details></article></body></html>'}

    Attributes:
        document (Any): The pass document with every known `$var$` substituted.
        params (list[str]): The template's parameters, in document order.
        errors (list[Finding]): The template's errors and warnings, then the values' problems.
        warnings (list[Finding]):
        html (str): The card as a standalone HTML page (its CSS inline), for an iframe.
    """

    document: Any
    params: list[str]
    errors: list[Finding]
    warnings: list[Finding]
    html: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        document = self.document

        params = self.params

        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        warnings = []
        for warnings_item_data in self.warnings:
            warnings_item = warnings_item_data.to_dict()
            warnings.append(warnings_item)

        html = self.html

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "document": document,
                "params": params,
                "errors": errors,
                "warnings": warnings,
                "html": html,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.finding import Finding

        d = dict(src_dict)
        document = d.pop("document")

        params = cast(list[str], d.pop("params"))

        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = Finding.from_dict(errors_item_data)

            errors.append(errors_item)

        warnings = []
        _warnings = d.pop("warnings")
        for warnings_item_data in _warnings:
            warnings_item = Finding.from_dict(warnings_item_data)

            warnings.append(warnings_item)

        html = d.pop("html")

        preview = cls(
            document=document,
            params=params,
            errors=errors,
            warnings=warnings,
            html=html,
        )

        preview.additional_properties = d
        return preview

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
