"""Contains all the data models used in inputs/outputs"""

from .app_links import AppLinks
from .attempt_row import AttemptRow
from .campaign_finished_data import CampaignFinishedData
from .campaign_kind import CampaignKind
from .campaign_status import CampaignStatus
from .campaign_view import CampaignView
from .campaign_view_refused_by_code import CampaignViewRefusedByCode
from .certificate_serials import CertificateSerials
from .changed_pass import ChangedPass
from .create_campaign import CreateCampaign
from .create_campaign_shared import CreateCampaignShared
from .create_endpoint import CreateEndpoint
from .create_template import CreateTemplate
from .dependency_state import DependencyState
from .diagnostic_finding import DiagnosticFinding
from .diagnostics_report import DiagnosticsReport
from .einfo import Einfo
from .einfo_unit import EinfoUnit
from .einfo_unit_type_type_0 import EinfoUnitTypeType0
from .endpoint_view import EndpointView
from .evoucher_info import EvoucherInfo
from .evoucher_info_product import EvoucherInfoProduct
from .evoucher_info_type import EvoucherInfoType
from .field_problem import FieldProblem
from .finding import Finding
from .gateway_call_view import GatewayCallView
from .issue_pass import IssuePass
from .liveness import Liveness
from .operation_image import OperationImage
from .operation_settled_data import OperationSettledData
from .operation_settled_data_subject import OperationSettledDataSubject
from .operation_text_item import OperationTextItem
from .page_campaign_view import PageCampaignView
from .page_campaign_view_items_item import PageCampaignViewItemsItem
from .page_campaign_view_items_item_refused_by_code import (
    PageCampaignViewItemsItemRefusedByCode,
)
from .page_pass_view import PagePassView
from .page_pass_view_items_item import PagePassViewItemsItem
from .page_template_view import PageTemplateView
from .page_template_view_items_item import PageTemplateViewItemsItem
from .page_voucher_view import PageVoucherView
from .page_voucher_view_items_item import PageVoucherViewItemsItem
from .pass_app_info import PassAppInfo
from .pass_changed_data import PassChangedData
from .pass_changed_data_detail import PassChangedDataDetail
from .pass_document import PassDocument
from .pass_document_alipay_verify_type_0_item import PassDocumentAlipayVerifyType0Item
from .pass_event_view import PassEventView
from .pass_file_info import PassFileInfo
from .pass_file_info_can_buy_type_1 import PassFileInfoCanBuyType1
from .pass_file_info_can_present_type_1 import PassFileInfoCanPresentType1
from .pass_file_info_can_share_type_1 import PassFileInfoCanShareType1
from .pass_file_info_support_taxi_type_1 import PassFileInfoSupportTaxiType1
from .pass_history import PassHistory
from .pass_merchant import PassMerchant
from .pass_operation import PassOperation
from .pass_operation_format import PassOperationFormat
from .pass_params import PassParams
from .pass_platform import PassPlatform
from .pass_platform_channel_scene_type_0 import PassPlatformChannelSceneType0
from .pass_recipient import PassRecipient
from .pass_settled_data import PassSettledData
from .pass_status import PassStatus
from .pass_style import PassStyle
from .pass_view import PassView
from .preview import Preview
from .preview_params import PreviewParams
from .preview_params_params import PreviewParamsParams
from .preview_template import PreviewTemplate
from .preview_template_params import PreviewTemplateParams
from .problem import Problem
from .problem_code import ProblemCode
from .queued_test_event import QueuedTestEvent
from .readiness_report import ReadinessReport
from .ready_status import ReadyStatus
from .redeem_pass import RedeemPass
from .redeem_pass_params_type_0 import RedeemPassParamsType0
from .remind_info import RemindInfo
from .resolution import Resolution
from .retry_refused import RetryRefused
from .row_counts import RowCounts
from .row_problem import RowProblem
from .row_state import RowState
from .send_voucher import SendVoucher
from .set_alipay_template_id import SetAlipayTemplateId
from .severity import Severity
from .template_content import TemplateContent
from .template_created_data import TemplateCreatedData
from .template_report import TemplateReport
from .template_status import TemplateStatus
from .template_updated_data import TemplateUpdatedData
from .template_view import TemplateView
from .update_pass import UpdatePass
from .update_template import UpdateTemplate
from .updated_template import UpdatedTemplate
from .upload_report import UploadReport
from .validate_template import ValidateTemplate
from .verify_type import VerifyType
from .voucher_recipient_input import VoucherRecipientInput
from .voucher_recipient_view import VoucherRecipientView
from .voucher_settled_data import VoucherSettledData
from .voucher_status import VoucherStatus
from .voucher_view import VoucherView
from .webhook_test_data import WebhookTestData

__all__ = (
    "AppLinks",
    "AttemptRow",
    "CampaignFinishedData",
    "CampaignKind",
    "CampaignStatus",
    "CampaignView",
    "CampaignViewRefusedByCode",
    "CertificateSerials",
    "ChangedPass",
    "CreateCampaign",
    "CreateCampaignShared",
    "CreateEndpoint",
    "CreateTemplate",
    "DependencyState",
    "DiagnosticFinding",
    "DiagnosticsReport",
    "Einfo",
    "EinfoUnit",
    "EinfoUnitTypeType0",
    "EndpointView",
    "EvoucherInfo",
    "EvoucherInfoProduct",
    "EvoucherInfoType",
    "FieldProblem",
    "Finding",
    "GatewayCallView",
    "IssuePass",
    "Liveness",
    "OperationImage",
    "OperationSettledData",
    "OperationSettledDataSubject",
    "OperationTextItem",
    "PageCampaignView",
    "PageCampaignViewItemsItem",
    "PageCampaignViewItemsItemRefusedByCode",
    "PagePassView",
    "PagePassViewItemsItem",
    "PageTemplateView",
    "PageTemplateViewItemsItem",
    "PageVoucherView",
    "PageVoucherViewItemsItem",
    "PassAppInfo",
    "PassChangedData",
    "PassChangedDataDetail",
    "PassDocument",
    "PassDocumentAlipayVerifyType0Item",
    "PassEventView",
    "PassFileInfo",
    "PassFileInfoCanBuyType1",
    "PassFileInfoCanPresentType1",
    "PassFileInfoCanShareType1",
    "PassFileInfoSupportTaxiType1",
    "PassHistory",
    "PassMerchant",
    "PassOperation",
    "PassOperationFormat",
    "PassParams",
    "PassPlatform",
    "PassPlatformChannelSceneType0",
    "PassRecipient",
    "PassSettledData",
    "PassStatus",
    "PassStyle",
    "PassView",
    "Preview",
    "PreviewParams",
    "PreviewParamsParams",
    "PreviewTemplate",
    "PreviewTemplateParams",
    "Problem",
    "ProblemCode",
    "QueuedTestEvent",
    "ReadinessReport",
    "ReadyStatus",
    "RedeemPass",
    "RedeemPassParamsType0",
    "RemindInfo",
    "Resolution",
    "RetryRefused",
    "RowCounts",
    "RowProblem",
    "RowState",
    "SendVoucher",
    "SetAlipayTemplateId",
    "Severity",
    "TemplateContent",
    "TemplateCreatedData",
    "TemplateReport",
    "TemplateStatus",
    "TemplateUpdatedData",
    "TemplateView",
    "UpdatePass",
    "UpdateTemplate",
    "UpdatedTemplate",
    "UploadReport",
    "ValidateTemplate",
    "VerifyType",
    "VoucherRecipientInput",
    "VoucherRecipientView",
    "VoucherSettledData",
    "VoucherStatus",
    "VoucherView",
    "WebhookTestData",
)
