//! Public-key certificate mode (公钥证书模式): the `app_cert_sn`, `alipay_root_cert_sn` and
//! `alipay_cert_sn` identifiers, computed exactly as the official SDKs do, and the Alipay
//! public key taken from its certificate.
//!
//! SN = lowercase hex MD5 of (issuer DN + decimal serial), zero-padded to 32 digits. The DN
//! is Java's `X500Principal.getName()` (RFC 2253: RDNs in reverse order, `,`-joined); for the
//! ordinary attributes Alipay's certificates use, the Node SDK's string is identical.

use std::fmt::Write as _;

use md5::{Digest, Md5};
use x509_cert::der::asn1::{AnyRef, ObjectIdentifier};
use x509_cert::der::{Decode, Encode, Tag, Tagged};
use x509_cert::Certificate;

use crate::sign::{pem_blocks, KeyError, PublicKey};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("no PEM certificate (-----BEGIN CERTIFICATE-----) found")]
    NoCertificate,
    #[error("not a readable PEM file: {0}")]
    Pem(KeyError),
    #[error("certificate {index} in the file is malformed: {reason}")]
    Malformed { index: usize, reason: String },
    #[error(
        "no certificate in the chain is RSA-signed (signature algorithm 1.2.840.113549.1.1.*)"
    )]
    NoRsaCertificate,
    #[error("the certificate's public key: {0}")]
    Key(KeyError),
}

/// The SN of the first certificate in `cert_pem` (`app_cert_sn`, `alipay_cert_sn`).
pub fn cert_sn(cert_pem: &str) -> Result<String, CertError> {
    let certs = certificates(cert_pem)?;
    let first = certs.first().ok_or(CertError::NoCertificate)?;
    sn_of(first)
}

/// `alipay_root_cert_sn`: the SNs of the chain's RSA-signed certificates joined with `_`.
/// The chain Alipay ships also holds EC and SM2 roots, which the SDKs skip.
pub fn root_cert_sn(chain_pem: &str) -> Result<String, CertError> {
    let mut sns = Vec::new();
    for cert in certificates(chain_pem)? {
        // A prefix test, as the Java SDK does (`getSigAlgOID().startsWith(...)`).
        if cert
            .signature_algorithm
            .oid
            .to_string()
            .starts_with("1.2.840.113549.1.1")
        {
            sns.push(sn_of(&cert)?);
        }
    }
    if sns.is_empty() {
        return Err(CertError::NoRsaCertificate);
    }
    Ok(sns.join("_"))
}

/// When the first certificate in `cert_pem` stops being valid (its notAfter).
pub fn not_after(cert_pem: &str) -> Result<std::time::SystemTime, CertError> {
    let certs = certificates(cert_pem)?;
    let first = certs.first().ok_or(CertError::NoCertificate)?;
    let end = first.tbs_certificate.validity.not_after.to_date_time();
    Ok(std::time::UNIX_EPOCH + end.unix_duration())
}

/// The public key of the first certificate in `pem` (the Alipay public-key certificate).
pub fn public_key_from_cert(pem: &str) -> Result<PublicKey, CertError> {
    let certs = certificates(pem)?;
    let first = certs.first().ok_or(CertError::NoCertificate)?;
    let spki = first
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| CertError::Malformed {
            index: 1,
            reason: e.to_string(),
        })?;
    PublicKey::from_spki_der(&spki).map_err(CertError::Key)
}

pub(crate) fn certificates(pem: &str) -> Result<Vec<Certificate>, CertError> {
    let blocks = pem_blocks(pem).map_err(CertError::Pem)?;
    let certs = blocks
        .iter()
        .filter(|b| b.label == "CERTIFICATE")
        .enumerate()
        .map(|(i, b)| {
            Certificate::from_der(&b.der).map_err(|e| CertError::Malformed {
                index: i + 1,
                reason: e.to_string(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if certs.is_empty() {
        return Err(CertError::NoCertificate);
    }
    Ok(certs)
}

pub(crate) fn sn_of(cert: &Certificate) -> Result<String, CertError> {
    let tbs = &cert.tbs_certificate;
    let mut text = issuer_dn(&tbs.issuer)?;
    text.push_str(&serial_decimal(tbs.serial_number.as_bytes()));
    // hex of 16 bytes is always 32 digits: the zero padding Java adds after BigInteger.
    Ok(hex::encode(Md5::digest(text.as_bytes())))
}

/// Java's `X500Principal.getName()`: RDNs last to first, `,` between RDNs, `+` inside a
/// multi-valued RDN, RFC 2253 keywords, other attributes as `oid=#hexDER`.
pub fn issuer_dn(name: &x509_cert::name::Name) -> Result<String, CertError> {
    let mut rdns = Vec::with_capacity(name.0.len());
    for rdn in name.0.iter().rev() {
        let mut atvs = Vec::new();
        for atv in rdn.0.iter() {
            atvs.push(attribute(&atv.oid, &atv.value)?);
        }
        rdns.push(atvs.join("+"));
    }
    Ok(rdns.join(","))
}

fn keyword(oid: &ObjectIdentifier) -> Option<&'static str> {
    Some(match oid.to_string().as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

fn attribute(oid: &ObjectIdentifier, value: &x509_cert::der::Any) -> Result<String, CertError> {
    let text = keyword(oid).and_then(|kw| string_value(value).map(|v| (kw, v)));
    match text {
        Some((kw, v)) => Ok(format!("{kw}={}", escape_rfc2253(&v))),
        None => {
            let der = value.to_der().map_err(|e| CertError::Malformed {
                index: 1,
                reason: e.to_string(),
            })?;
            Ok(format!("{oid}=#{}", hex::encode(der)))
        }
    }
}

/// The string types Java renders as text; anything else is dumped as hex.
fn string_value(value: &x509_cert::der::Any) -> Option<String> {
    let any: AnyRef<'_> = value.into();
    let bytes = any.value();
    match any.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String => {
            std::str::from_utf8(bytes).ok().map(str::to_owned)
        }
        // Java reads T61 strings as ISO-8859-1.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// RFC 2253 escaping as `sun.security.x509.AVA.toRFC2253String` does it.
fn escape_rfc2253(value: &str) -> String {
    const ESCAPEES: &str = ",=+<>#;\"\\";
    let mut escaped: Vec<(bool, char)> = Vec::with_capacity(value.len());
    for c in value.chars() {
        if c == '\0' {
            escaped.push((true, '0'));
            escaped.push((false, '0'));
        } else {
            escaped.push((ESCAPEES.contains(c), c));
        }
    }
    let is_space = |c: char| c == ' ' || c == '\r';
    let lead = escaped
        .iter()
        .take_while(|(e, c)| !e && is_space(*c))
        .count();
    let trail = escaped
        .iter()
        .rev()
        .take_while(|(e, c)| !e && is_space(*c))
        .count();
    let len = escaped.len();
    let mut out = String::with_capacity(len + 4);
    for (i, (escape, c)) in escaped.into_iter().enumerate() {
        if escape || i < lead || i >= len - trail {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Java `BigInteger.toString()` of the DER INTEGER content (two's complement).
fn serial_decimal(bytes: &[u8]) -> String {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    if !negative {
        return rsa::BigUint::from_bytes_be(bytes).to_string();
    }
    // Magnitude of a negative two's-complement number: invert and add one.
    let mut magnitude: Vec<u8> = bytes.iter().map(|b| !b).collect();
    for byte in magnitude.iter_mut().rev() {
        let (sum, carry) = byte.overflowing_add(1);
        *byte = sum;
        if !carry {
            break;
        }
    }
    let mut out = String::from("-");
    let _ = write!(out, "{}", rsa::BigUint::from_bytes_be(&magnitude));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::openssl;
    use std::path::Path;

    /// Alipay's public root chain file (alipayRootCert.crt), as every SDK ships it.
    const ALIPAY_ROOT_CHAIN: &str = r"-----BEGIN CERTIFICATE-----
MIIBszCCAVegAwIBAgIIaeL+wBcKxnswDAYIKoEcz1UBg3UFADAuMQswCQYDVQQG
EwJDTjEOMAwGA1UECgwFTlJDQUMxDzANBgNVBAMMBlJPT1RDQTAeFw0xMjA3MTQw
MzExNTlaFw00MjA3MDcwMzExNTlaMC4xCzAJBgNVBAYTAkNOMQ4wDAYDVQQKDAVO
UkNBQzEPMA0GA1UEAwwGUk9PVENBMFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAE
MPCca6pmgcchsTf2UnBeL9rtp4nw+itk1Kzrmbnqo05lUwkwlWK+4OIrtFdAqnRT
V7Q9v1htkv42TsIutzd126NdMFswHwYDVR0jBBgwFoAUTDKxl9kzG8SmBcHG5Yti
W/CXdlgwDAYDVR0TBAUwAwEB/zALBgNVHQ8EBAMCAQYwHQYDVR0OBBYEFEwysZfZ
MxvEpgXBxuWLYlvwl3ZYMAwGCCqBHM9VAYN1BQADSAAwRQIgG1bSLeOXp3oB8H7b
53W+CKOPl2PknmWEq/lMhtn25HkCIQDaHDgWxWFtnCrBjH16/W3Ezn7/U/Vjo5xI
pDoiVhsLwg==
-----END CERTIFICATE-----

-----BEGIN CERTIFICATE-----
MIIF0zCCA7ugAwIBAgIIH8+hjWpIDREwDQYJKoZIhvcNAQELBQAwejELMAkGA1UE
BhMCQ04xFjAUBgNVBAoMDUFudCBGaW5hbmNpYWwxIDAeBgNVBAsMF0NlcnRpZmlj
YXRpb24gQXV0aG9yaXR5MTEwLwYDVQQDDChBbnQgRmluYW5jaWFsIENlcnRpZmlj
YXRpb24gQXV0aG9yaXR5IFIxMB4XDTE4MDMyMTEzNDg0MFoXDTM4MDIyODEzNDg0
MFowejELMAkGA1UEBhMCQ04xFjAUBgNVBAoMDUFudCBGaW5hbmNpYWwxIDAeBgNV
BAsMF0NlcnRpZmljYXRpb24gQXV0aG9yaXR5MTEwLwYDVQQDDChBbnQgRmluYW5j
aWFsIENlcnRpZmljYXRpb24gQXV0aG9yaXR5IFIxMIICIjANBgkqhkiG9w0BAQEF
AAOCAg8AMIICCgKCAgEAtytTRcBNuur5h8xuxnlKJetT65cHGemGi8oD+beHFPTk
rUTlFt9Xn7fAVGo6QSsPb9uGLpUFGEdGmbsQ2q9cV4P89qkH04VzIPwT7AywJdt2
xAvMs+MgHFJzOYfL1QkdOOVO7NwKxH8IvlQgFabWomWk2Ei9WfUyxFjVO1LVh0Bp
dRBeWLMkdudx0tl3+21t1apnReFNQ5nfX29xeSxIhesaMHDZFViO/DXDNW2BcTs6
vSWKyJ4YIIIzStumD8K1xMsoaZBMDxg4itjWFaKRgNuPiIn4kjDY3kC66Sl/6yTl
YUz8AybbEsICZzssdZh7jcNb1VRfk79lgAprm/Ktl+mgrU1gaMGP1OE25JCbqli1
Pbw/BpPynyP9+XulE+2mxFwTYhKAwpDIDKuYsFUXuo8t261pCovI1CXFzAQM2w7H
DtA2nOXSW6q0jGDJ5+WauH+K8ZSvA6x4sFo4u0KNCx0ROTBpLif6GTngqo3sj+98
SZiMNLFMQoQkjkdN5Q5g9N6CFZPVZ6QpO0JcIc7S1le/g9z5iBKnifrKxy0TQjtG
PsDwc8ubPnRm/F82RReCoyNyx63indpgFfhN7+KxUIQ9cOwwTvemmor0A+ZQamRe
9LMuiEfEaWUDK+6O0Gl8lO571uI5onYdN1VIgOmwFbe+D8TcuzVjIZ/zvHrAGUcC
AwEAAaNdMFswCwYDVR0PBAQDAgEGMAwGA1UdEwQFMAMBAf8wHQYDVR0OBBYEFF90
tATATwda6uWx2yKjh0GynOEBMB8GA1UdIwQYMBaAFF90tATATwda6uWx2yKjh0Gy
nOEBMA0GCSqGSIb3DQEBCwUAA4ICAQCVYaOtqOLIpsrEikE5lb+UARNSFJg6tpkf
tJ2U8QF/DejemEHx5IClQu6ajxjtu0Aie4/3UnIXop8nH/Q57l+Wyt9T7N2WPiNq
JSlYKYbJpPF8LXbuKYG3BTFTdOVFIeRe2NUyYh/xs6bXGr4WKTXb3qBmzR02FSy3
IODQw5Q6zpXj8prYqFHYsOvGCEc1CwJaSaYwRhTkFedJUxiyhyB5GQwoFfExCVHW
05ZFCAVYFldCJvUzfzrWubN6wX0DD2dwultgmldOn/W/n8at52mpPNvIdbZb2F41
T0YZeoWnCJrYXjq/32oc1cmifIHqySnyMnavi75DxPCdZsCOpSAT4j4lAQRGsfgI
kkLPGQieMfNNkMCKh7qjwdXAVtdqhf0RVtFILH3OyEodlk1HYXqX5iE5wlaKzDop
PKwf2Q3BErq1xChYGGVS+dEvyXc/2nIBlt7uLWKp4XFjqekKbaGaLJdjYP5b2s7N
1dM0MXQ/f8XoXKBkJNzEiM3hfsU6DOREgMc1DIsFKxfuMwX3EkVQM1If8ghb6x5Y
jXayv+NLbidOSzk4vl5QwngO/JYFMkoc6i9LNwEaEtR9PhnrdubxmrtM+RjfBm02
77q3dSWFESFQ4QxYWew4pHE0DpWbWy/iMIKQ6UZ5RLvB8GEcgt8ON7BBJeMc+Dyi
kT9qhqn+lw==
-----END CERTIFICATE-----

-----BEGIN CERTIFICATE-----
MIICiDCCAgygAwIBAgIIQX76UsB/30owDAYIKoZIzj0EAwMFADB6MQswCQYDVQQG
EwJDTjEWMBQGA1UECgwNQW50IEZpbmFuY2lhbDEgMB4GA1UECwwXQ2VydGlmaWNh
dGlvbiBBdXRob3JpdHkxMTAvBgNVBAMMKEFudCBGaW5hbmNpYWwgQ2VydGlmaWNh
dGlvbiBBdXRob3JpdHkgRTEwHhcNMTkwNDI4MTYyMDQ0WhcNNDkwNDIwMTYyMDQ0
WjB6MQswCQYDVQQGEwJDTjEWMBQGA1UECgwNQW50IEZpbmFuY2lhbDEgMB4GA1UE
CwwXQ2VydGlmaWNhdGlvbiBBdXRob3JpdHkxMTAvBgNVBAMMKEFudCBGaW5hbmNp
YWwgQ2VydGlmaWNhdGlvbiBBdXRob3JpdHkgRTEwdjAQBgcqhkjOPQIBBgUrgQQA
IgNiAASCCRa94QI0vR5Up9Yr9HEupz6hSoyjySYqo7v837KnmjveUIUNiuC9pWAU
WP3jwLX3HkzeiNdeg22a0IZPoSUCpasufiLAnfXh6NInLiWBrjLJXDSGaY7vaokt
rpZvAdmjXTBbMAsGA1UdDwQEAwIBBjAMBgNVHRMEBTADAQH/MB0GA1UdDgQWBBRZ
4ZTgDpksHL2qcpkFkxD2zVd16TAfBgNVHSMEGDAWgBRZ4ZTgDpksHL2qcpkFkxD2
zVd16TAMBggqhkjOPQQDAwUAA2gAMGUCMQD4IoqT2hTUn0jt7oXLdMJ8q4vLp6sg
wHfPiOr9gxreb+e6Oidwd2LDnC4OUqCWiF8CMAzwKs4SnDJYcMLf2vpkbuVE4dTH
Rglz+HGcTLWsFs4KxLsq7MuU+vJTBUeDJeDjdA==
-----END CERTIFICATE-----

-----BEGIN CERTIFICATE-----
MIIDxTCCAq2gAwIBAgIUEMdk6dVgOEIS2cCP0Q43P90Ps5YwDQYJKoZIhvcNAQEF
BQAwajELMAkGA1UEBhMCQ04xEzARBgNVBAoMCmlUcnVzQ2hpbmExHDAaBgNVBAsM
E0NoaW5hIFRydXN0IE5ldHdvcmsxKDAmBgNVBAMMH2lUcnVzQ2hpbmEgQ2xhc3Mg
MiBSb290IENBIC0gRzMwHhcNMTMwNDE4MDkzNjU2WhcNMzMwNDE4MDkzNjU2WjBq
MQswCQYDVQQGEwJDTjETMBEGA1UECgwKaVRydXNDaGluYTEcMBoGA1UECwwTQ2hp
bmEgVHJ1c3QgTmV0d29yazEoMCYGA1UEAwwfaVRydXNDaGluYSBDbGFzcyAyIFJv
b3QgQ0EgLSBHMzCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAOPPShpV
nJbMqqCw6Bz1kehnoPst9pkr0V9idOwU2oyS47/HjJXk9Rd5a9xfwkPO88trUpz5
4GmmwspDXjVFu9L0eFaRuH3KMha1Ak01citbF7cQLJlS7XI+tpkTGHEY5pt3EsQg
wykfZl/A1jrnSkspMS997r2Gim54cwz+mTMgDRhZsKK/lbOeBPpWtcFizjXYCqhw
WktvQfZBYi6o4sHCshnOswi4yV1p+LuFcQ2ciYdWvULh1eZhLxHbGXyznYHi0dGN
z+I9H8aXxqAQfHVhbdHNzi77hCxFjOy+hHrGsyzjrd2swVQ2iUWP8BfEQqGLqM1g
KgWKYfcTGdbPB1MCAwEAAaNjMGEwHQYDVR0OBBYEFG/oAMxTVe7y0+408CTAK8hA
uTyRMB8GA1UdIwQYMBaAFG/oAMxTVe7y0+408CTAK8hAuTyRMA8GA1UdEwEB/wQF
MAMBAf8wDgYDVR0PAQH/BAQDAgEGMA0GCSqGSIb3DQEBBQUAA4IBAQBLnUTfW7hp
emMbuUGCk7RBswzOT83bDM6824EkUnf+X0iKS95SUNGeeSWK2o/3ALJo5hi7GZr3
U8eLaWAcYizfO99UXMRBPw5PRR+gXGEronGUugLpxsjuynoLQu8GQAeysSXKbN1I
UugDo9u8igJORYA+5ms0s5sCUySqbQ2R5z/GoceyI9LdxIVa1RjVX8pYOj8JFwtn
DJN3ftSFvNMYwRuILKuqUYSHc2GPYiHVflDh5nDymCMOQFcFG3WsEuB+EYQPFgIU
1DHmdZcz7Llx8UOZXX2JupWCYzK1XhJb+r4hK5ncf/w8qGtYlmyJpxk3hr1TfUJX
Yf4Zr0fJsGuv
-----END CERTIFICATE-----
";

    #[test]
    fn alipay_root_chain_gives_the_published_sn() {
        // The value every SDK user sends; the chain holds SM2, RSA, EC and RSA/SHA1 roots.
        assert_eq!(
            root_cert_sn(ALIPAY_ROOT_CHAIN).unwrap(),
            "687b59193f3f462dd5336e5abf83c5d8_02941eef3187dddf3d3b83462e1dfcf6"
        );
    }

    struct Pki {
        dir: tempfile::TempDir,
    }

    impl Pki {
        fn path(&self) -> &Path {
            self.dir.path()
        }
        fn read(&self, name: &str) -> String {
            std::fs::read_to_string(self.path().join(name)).unwrap()
        }
        fn run(&self, args: &[&str]) -> String {
            String::from_utf8(openssl(self.path(), args)).unwrap()
        }
        /// openssl's own view: RFC 2253 issuer (raw UTF-8) + decimal serial, MD5.
        fn expected_sn(&self, cert: &str) -> String {
            let issuer = self.run(&[
                "x509",
                "-in",
                cert,
                "-noout",
                "-issuer",
                "-nameopt",
                "RFC2253,-esc_msb",
            ]);
            let issuer = issuer.trim().trim_start_matches("issuer=").trim();
            let serial = self.run(&["x509", "-in", cert, "-noout", "-serial"]);
            let serial_hex = serial.trim().trim_start_matches("serial=");
            let serial = rsa::BigUint::parse_bytes(serial_hex.as_bytes(), 16)
                .unwrap()
                .to_string();
            std::fs::write(self.path().join("sn.txt"), format!("{issuer}{serial}")).unwrap();
            let md5 = self.run(&["md5", "-r", "sn.txt"]);
            md5.split_whitespace().next().unwrap().to_owned()
        }
    }

    impl Pki {
        /// `openssl` with the space-separated `args` and then `extra` (texts with spaces).
        fn make(&self, args: &str, extra: &[&str]) {
            let mut all: Vec<&str> = args.split_whitespace().collect();
            all.extend_from_slice(extra);
            self.run(&all);
        }

        /// A self-signed CA `<name>.pem` with key `<name>.key`.
        fn root(&self, name: &str, newkey: &str, extra: &[&str], subject: &str) {
            let args = format!(
                "req -x509 -newkey {newkey} -nodes -keyout {name}.key -out {name}.pem -days 30"
            );
            let mut all = extra.to_vec();
            all.extend(["-subj", subject]);
            self.make(&args, &all);
        }

        /// `leaf.csr` issued by CA `ca` as `out` with `serial`.
        fn issue(&self, ca: &str, serial: &str, out: &str) {
            let args = format!(
                "x509 -req -in leaf.csr -CA {ca}.pem -CAkey {ca}.key -set_serial {serial} \
                 -days 30 -out {out}"
            );
            self.make(&args, &[]);
        }
    }

    fn pki() -> Pki {
        let pki = Pki {
            dir: tempfile::tempdir().unwrap(),
        };
        // RSA root with a multi-RDN subject and a serial whose top bit is set (DER adds 00).
        let subject = "/C=CN/O=Ant Financial/OU=Certification Authority/CN=Test Root";
        pki.root(
            "root",
            "rsa:2048",
            &["-set_serial", "0xF1C2B3A4D5E6F708"],
            subject,
        );
        // Leaf signed by the root, with a UTF-8 subject of its own.
        let csr = "req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -utf8";
        pki.make(csr, &["-subj", "/C=CN/O=测试商户/CN=2021000000000001"]);
        pki.issue("root", "123456789012345678901234567890", "leaf.pem");
        // An intermediate with a CJK subject, and a leaf it issues, to test raw UTF-8 issuers.
        let subject = "/C=CN/O=蚂蚁金服/OU=Certification Authority/CN=Test 中文 CA";
        pki.root("cjk", "rsa:2048", &["-utf8"], subject);
        pki.issue("cjk", "7", "cjkleaf.pem");
        // An EC root, which root_cert_sn must skip.
        let curve = ["-pkeyopt", "ec_paramgen_curve:P-256"];
        pki.root("ec", "ec", &curve, "/C=CN/O=Ant Financial/CN=EC Root");
        pki
    }

    #[test]
    fn not_after_is_the_certificates_end_as_openssl_reads_it() {
        let pki = pki();
        let end = not_after(&pki.read("leaf.pem")).unwrap();
        // openssl's view: `notAfter=Dec 24 01:02:03 2026 GMT`.
        let text = pki.run(&[
            "x509", "-in", "leaf.pem", "-noout", "-enddate", "-dateopt", "iso_8601",
        ]);
        let iso = text.trim().trim_start_matches("notAfter=");
        let expected =
            chrono::DateTime::parse_from_str(&format!("{iso} +0000"), "%Y-%m-%d %H:%M:%SZ %z")
                .unwrap();
        let end: chrono::DateTime<chrono::Utc> = end.into();
        assert_eq!(end.timestamp(), expected.timestamp(), "{iso}");
    }

    #[test]
    fn sns_match_openssl() {
        let pki = pki();
        for name in ["root.pem", "leaf.pem", "cjkleaf.pem", "ec.pem"] {
            let pem = pki.read(name);
            assert_eq!(cert_sn(&pem).unwrap(), pki.expected_sn(name), "{name}");
        }
        let issuer = pki.run(&[
            "x509", "-in", "leaf.pem", "-noout", "-issuer", "-nameopt", "RFC2253",
        ]);
        assert_eq!(
            issuer.trim(),
            "issuer=CN=Test Root,OU=Certification Authority,O=Ant Financial,C=CN"
        );
        let chain = format!(
            "{}\n{}{}\n{}",
            pki.read("ec.pem"),
            pki.read("root.pem"),
            pki.read("ec.pem"),
            pki.read("cjk.pem")
        );
        assert_eq!(
            root_cert_sn(&chain).unwrap(),
            format!(
                "{}_{}",
                pki.expected_sn("root.pem"),
                pki.expected_sn("cjk.pem")
            )
        );
        assert_eq!(
            root_cert_sn(&pki.read("ec.pem")),
            Err(CertError::NoRsaCertificate)
        );
    }

    #[test]
    fn public_key_comes_from_the_certificate() {
        let pki = pki();
        let from_cert = public_key_from_cert(&pki.read("leaf.pem")).unwrap();
        pki.run(&["pkey", "-in", "leaf.key", "-pubout", "-out", "leaf.pub"]);
        assert_eq!(from_cert, PublicKey::parse(&pki.read("leaf.pub")).unwrap());
        assert_eq!(
            PublicKey::from_certificate_pem(&pki.read("leaf.pem")).unwrap(),
            from_cert
        );
        assert_eq!(
            public_key_from_cert(&pki.read("ec.pem")),
            Err(CertError::Key(KeyError::NotRsa("EC")))
        );
    }

    #[test]
    fn bad_files_are_refused() {
        assert_eq!(cert_sn(""), Err(CertError::NoCertificate));
        assert_eq!(cert_sn("hello"), Err(CertError::NoCertificate));
        let broken = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVeg\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            cert_sn(broken),
            Err(CertError::Malformed { index: 1, .. })
        ));
        assert!(matches!(
            root_cert_sn("-----BEGIN CERTIFICATE-----\nAAAA"),
            Err(CertError::Pem(KeyError::UnterminatedPem(_)))
        ));
    }

    #[test]
    fn java_escaping_and_serials() {
        assert_eq!(escape_rfc2253("a,b=c+d"), "a\\,b\\=c\\+d");
        assert_eq!(escape_rfc2253("  x "), "\\ \\ x\\ ");
        assert_eq!(escape_rfc2253("#1;\"<>\\"), "\\#1\\;\\\"\\<\\>\\\\");
        assert_eq!(escape_rfc2253("蚂蚁"), "蚂蚁");
        assert_eq!(serial_decimal(&[0x00, 0xff]), "255");
        assert_eq!(serial_decimal(&[0x01, 0x00]), "256");
        assert_eq!(serial_decimal(&[0xff]), "-1");
        assert_eq!(serial_decimal(&[0x80, 0x00]), "-32768");
    }
}
