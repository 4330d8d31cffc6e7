//! The JSON Schema of tpl_content as the rules of this module read it, for the OpenAPI
//! document: each node's properties are the same lists the checker knows (a test holds them
//! equal), its enums the same constants, its lengths the same limits. What a schema cannot
//! say (GBK, the wave rule, a `$var$` field measured after substitution, the product's
//! business keys) is said in the descriptions; the checker stays the judge.

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};

use super::*;

/// The components' names.
pub(crate) const TEMPLATE_CONTENT: &str = "TemplateContent";
const PASS_DOCUMENT: &str = "PassDocument";
const EVOUCHER_INFO: &str = "EvoucherInfo";
const EINFO: &str = "Einfo";
const EINFO_UNIT: &str = "EinfoUnit";
const PASS_OPERATION: &str = "PassOperation";
const OPERATION_TEXT_ITEM: &str = "OperationTextItem";
const OPERATION_IMAGE: &str = "OperationImage";
const APP_LINKS: &str = "AppLinks";
const REMIND_INFO: &str = "RemindInfo";
const PASS_MERCHANT: &str = "PassMerchant";
const PASS_PLATFORM: &str = "PassPlatform";
const PASS_STYLE: &str = "PassStyle";
const PASS_FILE_INFO: &str = "PassFileInfo";
const PASS_APP_INFO: &str = "PassAppInfo";

/// A `$var$` token, filled when a pass is issued.
const VAR: &str = r"\$[^\s$]+\$";

/// One property of a node: its name, its schema, whether it is required.
type Property = (&'static str, RefOr<Schema>, bool);

fn reference(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

/// `schema`, or null (null is the same as absent).
fn or_null(schema: impl Into<RefOr<Schema>>) -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(schema)
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

/// A text that must not be blank, at most `max` characters when it has no `$var$`.
fn required_text(max: Option<usize>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"\S"))
        .max_length(max)
        .description(Some(description))
        .into()
}

fn optional_text(max: Option<usize>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(max)
        .description(Some(description))
        .into()
}

/// One of `allowed` (never a `$var$`: the layout and the rules depend on it); an optional
/// one may also be empty or null.
fn choice(allowed: &[&str], required: bool, description: &str) -> RefOr<Schema> {
    let empty = (!required).then_some("");
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(allowed.iter().copied().chain(empty)))
        .description(Some(description));
    match required {
        true => schema.into(),
        false => or_null(schema),
    }
}

/// An http(s) address or a `$var$` (leading blanks tolerated, as the vendor's example has).
fn image_url(required: bool, description: &str) -> RefOr<Schema> {
    let address = format!(r"^\s*([hH][tT][tT][pP][sS]?://|{VAR})");
    let schema = ObjectBuilder::new().description(Some(description));
    match required {
        true => schema
            .schema_type(Type::String)
            .pattern(Some(address))
            .into(),
        false => schema
            .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
            .pattern(Some(format!(r"^\s*$|{address}")))
            .into(),
    }
}

/// `true`/`false`, also as the strings "true"/"false" (the vendor's example sends both).
fn flag(description: &str) -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["true", "false"])),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(description))
        .into()
}

fn array_of(items: RefOr<Schema>, min_items: Option<usize>, description: &str) -> Schema {
    ArrayBuilder::new()
        .items(items)
        .min_items(min_items)
        .description(Some(description))
        .into()
}

/// An object with exactly these properties (any other is refused as
/// KP.AE_ALIPASS_TEMPLATE_UNRECOGNIZE_PROPERTY).
fn node(description: &str, properties: Vec<Property>) -> RefOr<Schema> {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for (name, schema, required) in properties {
        object = object.property(name, schema);
        if required {
            object = object.required(name);
        }
    }
    object.into()
}

pub(crate) fn template_content() -> RefOr<Schema> {
    node(
        "A pass template (Alipay's tpl_content): images and the pass document. Every string \
         must be encodable in GBK (KP.AE_ALIPASS_CHAR_NOT_GBK); a string may hold `$name$` \
         parameters, filled by each pass's `params`; as compact JSON the whole is at most \
         `limits.tpl_content_max_chars` characters (65000 by default). POST \
         /v1/templates/validate reports every rule a content breaks.",
        vec![
            (
                "logo",
                image_url(true, "The logo: an http(s) URL or a `$var$`."),
                true,
            ),
            (
                "icon",
                image_url(false, "The icon: an http(s) URL, a `$var$`, or empty."),
                false,
            ),
            (
                "strip",
                image_url(
                    false,
                    "The strip image: an http(s) URL, a `$var$`, or empty.",
                ),
                false,
            ),
            ("content", reference(PASS_DOCUMENT), true),
        ],
    )
}

fn pass_document() -> RefOr<Schema> {
    let verify = array_of(
        RefOr::T(Schema::default()),
        None,
        "Undocumented by the vendor; sent as [] in its example.",
    );
    node(
        "The pass document (pass.json).",
        vec![
            ("evoucherInfo", reference(EVOUCHER_INFO), true),
            ("fileInfo", reference(PASS_FILE_INFO), true),
            ("merchant", reference(PASS_MERCHANT), true),
            ("platform", reference(PASS_PLATFORM), true),
            ("style", or_null(reference(PASS_STYLE)), false),
            ("appInfo", or_null(reference(PASS_APP_INFO)), false),
            (
                "source",
                optional_text(None, "Where the pass comes from."),
                false,
            ),
            ("alipayVerify", or_null(verify), false),
        ],
    )
}

fn date(description: &str) -> RefOr<Schema> {
    let date = r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}";
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^({date}|{VAR})$")))
        .description(Some(format!(
            "{description}: `yyyy-MM-dd HH:mm:ss` (padded or not, a real instant, Beijing \
             time), or a single `$var$` whose value must be such a date."
        )))
        .into()
}

fn evoucher_info() -> RefOr<Schema> {
    let operations = array_of(
        reference(PASS_OPERATION),
        Some(1),
        "What the pass shows to be redeemed; at least one.",
    );
    node(
        "The voucher: title, kind, validity, layout and operations. An endDate before the \
         startDate is refused (KP.AE_ALIPASS_DATE_ERROR).",
        vec![
            ("goodsId", optional_text(Some(GOODS_ID_MAX_CHARS), "The merchant's goods id."), false),
            ("title", required_text(Some(TITLE_MAX_CHARS), "The pass's title."), true),
            ("type", choice(PASS_TYPES, true, "The pass kind."), true),
            ("product", choice(PRODUCTS, true, "The product; train, boarding, air and bus need their business keys in einfo (from, to, and trainNo, fltNo or busNo)."), true),
            ("startDate", date("Valid from"), true),
            ("endDate", date("Valid until"), true),
            ("einfo", reference(EINFO), true),
            ("operation", operations.into(), true),
            ("remindInfo", or_null(reference(REMIND_INFO)), false),
        ],
    )
}

fn einfo() -> RefOr<Schema> {
    let region = |name| {
        let units = array_of(
            reference(EINFO_UNIT),
            None,
            "Units of this region, in order.",
        );
        (name, or_null(units), false)
    };
    let mut properties = vec![
        (
            "logo",
            optional_text(None, "Logo shown in the card."),
            false,
        ),
        (
            "logoText",
            required_text(None, "Text beside the logo."),
            true,
        ),
        (
            "secendLogoText",
            optional_text(None, "Second line beside the logo (the vendor's spelling)."),
            false,
        ),
        (
            "Thumbnail",
            optional_text(None, "A thumbnail image."),
            false,
        ),
    ];
    properties.extend(EINFO_REGIONS.iter().copied().map(region));
    node(
        "The card's layout. At least one region holds a unit; a key repeated in einfo is a \
         warning, except the product's business keys, which must appear once with a value.",
        properties,
    )
}

fn einfo_unit() -> RefOr<Schema> {
    node(
        "One labelled value of the card; it needs a non-empty label or value.",
        vec![
            (
                "key",
                required_text(
                    None,
                    "The unit's key (a product's business keys: from, to, trainNo, fltNo, busNo).",
                ),
                true,
            ),
            ("label", optional_text(None, "The label."), false),
            (
                "value",
                optional_text(None, "The value; measured after substitution."),
                false,
            ),
            (
                "type",
                choice(UNIT_TYPES, false, "How the value is shown."),
                false,
            ),
        ],
    )
}

fn pass_operation() -> RefOr<Schema> {
    let message = OneOfBuilder::new()
        .item(required_text(None, "wave, qrcode, barcode, url: the code or address. A wave message is up to 16 characters, or 17 to 32 hex digits not starting with 0 (checked after substitution)."))
        .item(array_of(reference(OPERATION_TEXT_ITEM), Some(1), "text: labelled lines."))
        .item(reference(OPERATION_IMAGE))
        .item(reference(APP_LINKS))
        .description(Some("Its shape follows `format`: a string (wave, qrcode, barcode, url), an array of {label, value} (text), {img, target} (img), or the app links (app)."));
    node(
        "One way to redeem the pass.",
        vec![
            (
                "format",
                choice(FORMATS, true, "The operation's kind."),
                true,
            ),
            ("message", message.into(), true),
            (
                "messageEncoding",
                optional_text(None, "The message's charset, e.g. UTF-8."),
                false,
            ),
            (
                "altText",
                optional_text(None, "Text shown under the code."),
                false,
            ),
        ],
    )
}

fn operation_text_item() -> RefOr<Schema> {
    node(
        "One line of a text operation.",
        vec![
            ("label", optional_text(None, "The label."), false),
            ("value", optional_text(None, "The value."), false),
        ],
    )
}

fn operation_image() -> RefOr<Schema> {
    node(
        "An image operation.",
        vec![
            ("img", required_text(None, "The image's address."), true),
            ("target", optional_text(None, "Where a tap leads."), false),
        ],
    )
}

fn app_links() -> RefOr<Schema> {
    let properties = APP_KEYS
        .iter()
        .map(|key| {
            (
                *key,
                optional_text(None, "An app id, launch scheme or download address."),
                false,
            )
        })
        .collect();
    node("The merchant's app, per platform.", properties)
}

fn remind_info() -> RefOr<Schema> {
    let offset = OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Integer))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!(r"^(\s*[+-]?\d+\s*|{VAR})$"))),
        )
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(
            "Seconds before the end to remind the holder: a whole number (or its digits, or a \
             `$var$`). Outside 3600..=86400 is a warning, an error with \
             `limits.remind_offset_strict`.",
        ));
    node(
        "The expiry reminder.",
        vec![("offset", offset.into(), false)],
    )
}

fn merchant() -> RefOr<Schema> {
    node(
        "The merchant shown on the pass.",
        vec![
            ("mname", required_text(None, "The merchant's name."), true),
            ("mshortName", optional_text(None, "A short name."), false),
            ("maddr", optional_text(None, "The address."), false),
            ("mtel", optional_text(None, "The telephone."), false),
            (
                "minfo",
                optional_text(None, "More about the merchant."),
                false,
            ),
        ],
    )
}

fn platform() -> RefOr<Schema> {
    node(
        "Where the pass is issued from.",
        vec![
            ("channelID", required_text(Some(CHANNEL_ID_MAX_CHARS), "The channel (partner id or app id), usually `$channelID$`, which the service fills."), true),
            ("channelScene", choice(CHANNEL_SCENES, false, "The channel's scene."), false),
            ("webServiceUrl", required_text(Some(WEB_SERVICE_URL_MAX_CHARS), "The merchant's callback address."), true),
        ],
    )
}

fn style() -> RefOr<Schema> {
    node(
        "The card's colours.",
        vec![(
            "backgroundColor",
            required_text(None, "e.g. RGB(255,126,0)."),
            true,
        )],
    )
}

fn file_info() -> RefOr<Schema> {
    let version = OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(10_i64.pow(FORMAT_VERSION_MAX_DIGITS as u32) - 1)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!("^[0-9]{{1,{FORMAT_VERSION_MAX_DIGITS}}}$"))),
        )
        .description(Some(
            "The format version (2 today), as a number or its digits.",
        ));
    node(
        "The pass file's settings.",
        vec![
            ("formatVersion", version.into(), true),
            (
                "canPresent",
                flag("The holder may give the pass away."),
                false,
            ),
            ("canShare", flag("The holder may share the pass."), false),
            (
                "serialNumber",
                required_text(
                    Some(SERIAL_NUMBER_MAX_CHARS),
                    "The pass's serial number, usually `$serialNumber$`, which the service fills.",
                ),
                true,
            ),
            ("canBuy", flag("The pass may be bought."), false),
            ("supportTaxi", flag("The pass offers a taxi."), false),
            (
                "taxiSchemaUrl",
                optional_text(None, "The taxi app's address."),
                false,
            ),
        ],
    )
}

fn app_info() -> RefOr<Schema> {
    node(
        "A link to the merchant's app.",
        vec![
            ("label", optional_text(None, "The link's label."), false),
            ("message", optional_text(None, "The link's text."), false),
            ("app", or_null(reference(APP_LINKS)), false),
        ],
    )
}

/// Each node: its component's name, its schema, and the properties its checker knows.
type Node = (&'static str, fn() -> RefOr<Schema>, &'static [&'static str]);

const NODES: [Node; 15] = [
    (TEMPLATE_CONTENT, template_content, ROOT_KEYS),
    (PASS_DOCUMENT, pass_document, CONTENT_KEYS),
    (EVOUCHER_INFO, evoucher_info, EVOUCHER_KEYS),
    (EINFO, einfo, EINFO_KEYS),
    (EINFO_UNIT, einfo_unit, UNIT_KEYS),
    (PASS_OPERATION, pass_operation, OPERATION_KEYS),
    (OPERATION_TEXT_ITEM, operation_text_item, TEXT_MESSAGE_KEYS),
    (OPERATION_IMAGE, operation_image, IMG_KEYS),
    (APP_LINKS, app_links, APP_KEYS),
    (REMIND_INFO, remind_info, REMIND_KEYS),
    (PASS_MERCHANT, merchant, MERCHANT_KEYS),
    (PASS_PLATFORM, platform, PLATFORM_KEYS),
    (PASS_STYLE, style, STYLE_KEYS),
    (PASS_FILE_INFO, file_info, FILE_INFO_KEYS),
    (PASS_APP_INFO, app_info, APP_INFO_KEYS),
];

/// `(name, schema)` of tpl_content and each of its nodes, for the document's components.
pub(crate) fn components() -> Vec<(String, RefOr<Schema>)> {
    NODES
        .iter()
        .map(|(name, schema, _)| (name.to_string(), schema()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each node's schema lists exactly the properties its checker knows.
    #[test]
    fn every_node_lists_the_properties_its_checker_knows() {
        for (name, schema, known) in NODES {
            let RefOr::T(Schema::Object(object)) = schema() else {
                panic!("{name} is not an object schema");
            };
            let mut listed: Vec<&str> = object.properties.keys().map(String::as_str).collect();
            let mut known = known.to_vec();
            listed.sort_unstable();
            known.sort_unstable();
            assert_eq!(listed, known, "{name}");
        }
    }

    /// Every component a schema refers to is one of the components.
    #[test]
    fn every_reference_names_a_component() {
        let all = components();
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        let text = serde_json::to_string(&all.iter().map(|(_, s)| s).collect::<Vec<_>>()).unwrap();
        for reference in text.split("#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(names.contains(&name), "{name} is referred to, not defined");
        }
    }
}
