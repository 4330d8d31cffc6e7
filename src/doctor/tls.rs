//! What doctor says of the way to Postgres and Redis: TLS or not, the protocol version, and
//! the subject of the certificate the server presents. Neither client shows its TLS session,
//! so the version and subject come from a handshake of doctor's own with the same server.

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use x509_cert::der::Decode;

/// Postgres's SSLRequest: a length of 8 and the code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// What a TLS server showed doctor.
pub struct Seen {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// The server certificate's subject (RFC 4514), e.g. `CN=db.example.com`.
    pub subject: String,
}

/// A handshake with `host:port` (`postgres`: after asking for TLS as Postgres wants), read
/// for its version and the server's certificate; it sends no data.
pub async fn look(host: &str, port: u16, postgres: bool) -> Result<Seen, String> {
    tokio::time::timeout(Duration::from_secs(5), handshake(host, port, postgres))
        .await
        .map_err(|_| "no TLS handshake within 5 s".to_owned())?
}

async fn handshake(host: &str, port: u16, postgres: bool) -> Result<Seen, String> {
    let mut tcp = TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    if postgres {
        let mut answer = [0u8];
        tcp.write_all(&SSL_REQUEST)
            .await
            .map_err(|e| e.to_string())?;
        tcp.read_exact(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        if answer[0] != b'S' {
            return Err("the server does not offer TLS".to_owned());
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(ReadOnly(provider)))
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned()).map_err(|e| e.to_string())?;
    let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS handshake: {e}"))?;
    let (_, session) = stream.get_ref();
    let version = match session.protocol_version() {
        Some(ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        other => format!("{other:?}"),
    };
    let subject = session
        .peer_certificates()
        .and_then(|chain| chain.first())
        .ok_or("no server certificate")
        .and_then(|der| {
            x509_cert::Certificate::from_der(der.as_ref()).map_err(|_| "an unreadable certificate")
        })?
        .tbs_certificate
        .subject
        .to_string();
    Ok(Seen { version, subject })
}

/// Takes any certificate: the look only reads what the server presents and sends nothing.
/// Whether the certificate is trusted is the connection check's to say (`sslmode`,
/// `database.ca_file`, `redis.ca_file`), which connected with the service's own rules.
#[derive(Debug)]
struct ReadOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for ReadOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
