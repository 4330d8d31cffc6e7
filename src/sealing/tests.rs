use aws_lc_rs::aead::{Aad, RandomizedNonceKey, AES_256_GCM};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::*;

const K1: [u8; 32] = [7; 32];
const K2: [u8; 32] = [9; 32];

fn settings() -> Settings {
    Settings::load_profile(&crate::config::config_dir(), crate::config::Profile::Test).unwrap()
}

/// A personal-data sealer whose current key is `current`, with `retired` keys.
fn pii_sealer(current: [u8; 32], retired: &[[u8; 32]]) -> Sealer {
    let mut settings = settings();
    settings.pii.key = Some(STANDARD.encode(current).into());
    settings.pii.retired_keys = retired.iter().map(|k| STANDARD.encode(k).into()).collect();
    Sealer::for_personal_data(&settings).unwrap().unwrap()
}

fn recipient_of(record: &str) -> Binding {
    Binding::record("vouchers.recipient", record, "voucher-recipient")
}

#[test]
fn a_sealed_token_opens_only_for_its_app_and_never_shows_in_clear() {
    let mut settings = settings();
    settings.alipay.token_sealing_key = Some(STANDARD.encode(K1).into());
    let sealer = Sealer::for_tokens(&settings).unwrap().unwrap();
    let app = Binding::to("2021000000000001");
    let sealed = sealer.seal(&app, "202511BB-merchant-token").unwrap();
    assert!(!sealed.contains("merchant"));
    assert!(
        sealed.starts_with(&format!("v2.{}.", sealer.key_id())),
        "{sealed}"
    );
    assert_ne!(
        sealed,
        sealer.seal(&app, "202511BB-merchant-token").unwrap()
    );
    let opened = sealer.open(&app, &sealed).unwrap();
    assert_eq!(&*opened, "202511BB-merchant-token");
    let other = Binding::to("2021000000000002");
    assert_eq!(sealer.open(&other, &sealed), Err(SealError::Unreadable));
    assert!(sealer.open(&app, "AAAA").is_err());
    assert!(sealer.open(&app, "v2.nokey.AAAA").is_err());
    let hash = sealer.keyed_hash("13800138000");
    assert_eq!(hash, sealer.keyed_hash("13800138000"));
    assert_ne!(
        hash,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"13800138000"))
    );
}

#[test]
fn keys_of_the_wrong_size_are_refused() {
    let mut settings = settings();
    settings.alipay.token_sealing_key = Some(STANDARD.encode([7u8; 16]).into());
    let err = Sealer::for_tokens(&settings).unwrap_err();
    assert_eq!(err.key, "alipay.token_sealing_key");
    settings.alipay.token_sealing_key = None;
    assert!(Sealer::for_tokens(&settings).unwrap().is_none());
    settings.pii.retired_keys = vec![STANDARD.encode([1u8; 31]).into()];
    let err = Sealer::for_personal_data(&settings).unwrap_err();
    assert_eq!(err.key, "pii.retired_keys");
}

#[test]
fn the_hashing_key_and_the_sealing_key_are_derived_apart_and_neither_is_the_secret() {
    let derived = derive(&K1);
    assert_ne!(derived.seal, derived.hash);
    assert_ne!(derived.seal, K1);
    assert_ne!(derived.hash, K1);
    let sealer = pii_sealer(K1, &[]);
    let with = |key: &[u8]| {
        let key = hmac::Key::new(hmac::HMAC_SHA256, key);
        hex::encode(hmac::sign(&key, b"login_id:13800138000"))
    };
    let hash = sealer.keyed_hash("login_id:13800138000");
    assert_eq!(hash, with(&derived.hash));
    assert_ne!(hash, with(&derived.seal));
    assert_ne!(hash, with(&K1));
    // The sealing key is the derived one: the secret itself does not open a new value.
    let sealed = sealer.seal(&recipient_of("r1"), "13800138000").unwrap();
    let body = sealed.rsplit('.').next().unwrap();
    let raw = RandomizedNonceKey::new(&AES_256_GCM, &K1).unwrap();
    let aad = format!("v2.{}.vouchers.recipient:r1", sealer.key_id());
    assert!(open_with(&raw, aad.as_bytes(), body).is_none());
    let derived_key = RandomizedNonceKey::new(&AES_256_GCM, &derived.seal).unwrap();
    assert!(open_with(&derived_key, aad.as_bytes(), body).is_some());
}

#[test]
fn a_value_copied_to_another_record_does_not_open() {
    let sealer = pii_sealer(K1, &[]);
    let sealed = sealer
        .seal(&recipient_of("record-1"), "pi@example.com")
        .unwrap();
    assert_eq!(
        &*sealer.open(&recipient_of("record-1"), &sealed).unwrap(),
        "pi@example.com"
    );
    assert_eq!(
        sealer.open(&recipient_of("record-2"), &sealed),
        Err(SealError::Unreadable)
    );
    let other_column = Binding::record("campaign_rows.payload", "record-1", "campaign-row");
    assert_eq!(
        sealer.open(&other_column, &sealed),
        Err(SealError::Unreadable)
    );
    // Naming another key id in the value does not help either.
    let k2 = pii_sealer(K2, &[K1]);
    let forged = sealed.replace(sealer.key_id(), k2.key_id());
    assert!(k2.open(&recipient_of("record-1"), &forged).is_err());
}

#[test]
fn keys_rotate_old_values_open_until_resealed_then_the_old_key_can_go() {
    let k1 = pii_sealer(K1, &[]);
    let binding = recipient_of("record-1");
    let old = k1.seal(&binding, "pi@example.com").unwrap();
    let old_hash = k1.keyed_hash("login_id:pi@example.com");

    let rotated = pii_sealer(K2, &[K1]);
    assert_ne!(rotated.key_id(), k1.key_id());
    assert_eq!(&*rotated.open(&binding, &old).unwrap(), "pi@example.com");
    assert!(!rotated.is_current(&old));
    let fresh = rotated.seal(&binding, "pi@example.com").unwrap();
    assert!(rotated.is_current(&fresh));
    assert_eq!(rotated.reseal(&binding, &fresh).unwrap(), None);
    // Look-ups still find values hashed with the retired key.
    assert!(rotated
        .keyed_hashes("login_id:pi@example.com")
        .contains(&old_hash));
    assert_ne!(rotated.keyed_hash("login_id:pi@example.com"), old_hash);

    let resealed = rotated.reseal(&binding, &old).unwrap().expect("resealed");
    assert!(resealed.starts_with(&format!("v2.{}.", rotated.key_id())));
    let k2_only = pii_sealer(K2, &[]);
    assert_eq!(
        &*k2_only.open(&binding, &resealed).unwrap(),
        "pi@example.com"
    );
    assert_eq!(
        k2_only.open(&binding, &old),
        Err(SealError::UnknownKey(k1.key_id().to_owned()))
    );
}

/// A value as it was sealed before key ids: with the secret itself, bound to a context
/// shared by every record.
fn sealed_before_key_ids(secret: &[u8; 32], context: &str, plain: &str) -> String {
    let key = RandomizedNonceKey::new(&AES_256_GCM, secret).unwrap();
    let mut buffer = plain.as_bytes().to_vec();
    let nonce = key
        .seal_in_place_append_tag(Aad::from(context.as_bytes()), &mut buffer)
        .unwrap();
    let mut out = nonce.as_ref().to_vec();
    out.extend_from_slice(&buffer);
    STANDARD.encode(out)
}

#[test]
fn values_sealed_before_key_ids_still_open_and_are_resealed_bound_to_their_record() {
    let legacy = sealed_before_key_ids(&K1, "voucher-recipient", "pi@example.com");
    let sealer = pii_sealer(K2, &[K1]);
    let binding = recipient_of("record-1");
    assert_eq!(&*sealer.open(&binding, &legacy).unwrap(), "pi@example.com");
    assert!(!sealer.is_current(&legacy));
    let resealed = sealer.reseal(&binding, &legacy).unwrap().unwrap();
    assert!(sealer.is_current(&resealed));
    assert!(sealer.open(&recipient_of("record-2"), &resealed).is_err());
    // The hash as it was computed before key ids is still matched by look-ups.
    let label = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, &K1),
        b"alipass keyed hash",
    );
    let legacy_hash = hex::encode(hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, label.as_ref()),
        b"login_id:pi@example.com",
    ));
    assert!(sealer
        .keyed_hashes("login_id:pi@example.com")
        .contains(&legacy_hash));
}

#[test]
fn retired_keys_may_come_from_a_file_one_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retired");
    std::fs::write(
        &path,
        format!(
            "{}\n\n{}\n",
            STANDARD.encode(K1),
            STANDARD.encode([3u8; 32])
        ),
    )
    .unwrap();
    let mut settings = settings();
    settings.pii.key = Some(STANDARD.encode(K2).into());
    settings.pii.retired_keys_file = Some(path);
    let sealer = Sealer::for_personal_data(&settings).unwrap().unwrap();
    let old = pii_sealer(K1, &[]).seal(&recipient_of("r"), "x").unwrap();
    assert_eq!(&*sealer.open(&recipient_of("r"), &old).unwrap(), "x");
    assert_eq!(sealer.retired.len(), 2);
}
