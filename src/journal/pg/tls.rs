//! TLS to PostgreSQL through rustls (the TLS stack reqwest already pulls
//! in, with the same aws-lc-rs provider): libpq's `sslmode` semantics.
//!
//! | sslmode     | TLS                 | certificate checked                  |
//! |-------------|---------------------|--------------------------------------|
//! | disable     | never               | -                                    |
//! | prefer      | if the server has it| no (libpq's default mode)            |
//! | require     | yes                 | no, unless a root is given: then CA  |
//! | verify-ca   | yes                 | chain to a trusted root              |
//! | verify-full | yes                 | chain, and the name is the host's    |
//!
//! Roots: `sslrootcert=PATH` (PEM), else `~/.postgresql/root.crt` when it
//! exists (libpq's default), else the system's roots (rustls-native-certs:
//! `SSL_CERT_FILE`, or on Debian /etc/ssl/certs). `sslrootcert=system`
//! asks for the system's roots by name, as libpq 16 does.
//! `sslcert`/`sslkey` give a client certificate. A Unix socket never
//! carries TLS (libpq's rule): the kernel already knows who is on it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::Socket;
use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A PEM file larger than this is not a certificate bundle.
const PEM_LIMIT: u64 = 4 * 1024 * 1024;

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            // libpq's `allow` tries plain first, then TLS; `prefer` (TLS
            // first, then plain) reaches every server `allow` reaches.
            "allow" => SslMode::Prefer,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// What tokio-postgres is told: it knows only whether TLS is
    /// refused, tried or required; verification is ours.
    pub fn wire(self) -> postgres::config::SslMode {
        match self {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        }
    }
}

/// The TLS parameters of a URL (tokio-postgres knows none but sslmode).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsParams {
    pub mode: Option<SslMode>,
    pub root_cert: Option<String>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// Where the trusted roots come from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Roots {
    None,
    File(PathBuf),
    System,
}

impl Roots {
    fn describe(&self) -> String {
        match self {
            Roots::None => "no root certificate".into(),
            Roots::File(p) => format!("the roots in {}", crate::untrusted::show_path(p)),
            Roots::System => "the system's root certificates".into(),
        }
    }
}

/// The connector handed to the `postgres` client.
#[derive(Clone)]
pub struct RustlsConnect {
    config: Arc<ClientConfig>,
    mode: SslMode,
    /// What the URL said, when `require` became `verify-ca` (messages).
    asked: Option<SslMode>,
    roots: Arc<Roots>,
}

impl std::fmt::Debug for RustlsConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RustlsConnect({}, {:?})", self.mode.name(), self.roots)
    }
}

impl RustlsConnect {
    /// Build the rustls configuration once per URL (roots are read here,
    /// so a missing or bad root file is named before any connection).
    pub fn new(mode: SslMode, params: &TlsParams) -> Result<RustlsConnect, String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let roots = choose_roots(mode, params.root_cert.as_deref());
        let chain = match &roots {
            Roots::None => None,
            r => Some(
                WebPkiServerVerifier::builder_with_provider(
                    Arc::new(load_roots(r)?),
                    provider.clone(),
                )
                .build()
                .map_err(|e| format!("{}: {e}", r.describe()))?,
            ),
        };
        let verifier = Arc::new(Verifier {
            provider: provider.clone(),
            chain,
            name: mode == SslMode::VerifyFull,
        });
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let config = match (&params.cert, &params.key) {
            (Some(cert), Some(key)) => {
                let chain = read_pem(cert).and_then(|b| {
                    CertificateDer::pem_slice_iter(&b)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| format!("sslcert {}: {e}", crate::untrusted::show_path(cert)))
                })?;
                check_key_mode(key)?;
                let key_der = read_pem(key).and_then(|b| {
                    PrivateKeyDer::from_pem_slice(&b)
                        .map_err(|e| format!("sslkey {}: {e}", crate::untrusted::show_path(key)))
                })?;
                builder
                    .with_client_auth_cert(chain, key_der)
                    .map_err(|e| format!("sslcert/sslkey: {e}"))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err("sslcert and sslkey go together: give both or neither".into()),
        };
        Ok(RustlsConnect {
            config: Arc::new(config),
            mode,
            asked: params.mode,
            roots: Arc::new(roots),
        })
    }
}

/// libpq: `require` with a root certificate behaves as `verify-ca`.
fn choose_roots(mode: SslMode, root_cert: Option<&str>) -> Roots {
    let given = match root_cert {
        Some("system") => Some(Roots::System),
        Some(p) => Some(Roots::File(PathBuf::from(p))),
        None => default_root_file().map(Roots::File),
    };
    match (mode, given) {
        (SslMode::Disable | SslMode::Prefer, _) => Roots::None,
        (SslMode::Require, None) => Roots::None,
        (SslMode::Require, Some(r)) => r,
        (_, Some(r)) => r,
        (_, None) => Roots::System,
    }
}

/// The effective mode: `require` with a root verifies the chain.
pub fn effective_mode(mode: SslMode, params: &TlsParams) -> SslMode {
    if mode == SslMode::Require && choose_roots(mode, params.root_cert.as_deref()) != Roots::None {
        SslMode::VerifyCa
    } else {
        mode
    }
}

fn default_root_file() -> Option<PathBuf> {
    let f = PathBuf::from(std::env::var_os("HOME")?).join(".postgresql/root.crt");
    f.exists().then_some(f)
}

fn read_pem(path: &Path) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(PEM_LIMIT).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read {}: {e}", crate::untrusted::show_path(path)))?;
    Ok(bytes)
}

fn load_roots(roots: &Roots) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::None => {}
        Roots::File(p) => {
            let bytes = read_pem(p).map_err(|e| format!("sslrootcert: {e}"))?;
            for cert in CertificateDer::pem_slice_iter(&bytes) {
                let cert = cert
                    .map_err(|e| format!("sslrootcert {}: {e}", crate::untrusted::show_path(p)))?;
                store
                    .add(cert)
                    .map_err(|e| format!("sslrootcert {}: {e}", crate::untrusted::show_path(p)))?;
            }
        }
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _ignored) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found
                    .errors
                    .first()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default();
                return Err(format!(
                    "no system root certificates found{why}; give sslrootcert=PATH"
                ));
            }
        }
    }
    if store.is_empty() {
        return Err(format!("{}: holds no certificate", roots.describe()));
    }
    Ok(store)
}

impl MakeTlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnectOne;
    type Error = std::io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnectOne, std::io::Error> {
        // An empty domain is a Unix socket, where the server answers the
        // TLS request with "no" and this name is never used.
        let name = ServerName::try_from(if domain.is_empty() {
            "localhost"
        } else {
            domain
        })
        .map_err(|e| std::io::Error::other(format!("host {domain}: {e}")))?
        .to_owned();
        Ok(RustlsConnectOne {
            connect: self.clone(),
            name,
        })
    }
}

/// One connection attempt to one host.
pub struct RustlsConnectOne {
    connect: RustlsConnect,
    name: ServerName<'static>,
}

type Handshake = Pin<Box<dyn Future<Output = Result<RustlsStream, std::io::Error>> + Send>>;

impl TlsConnect<Socket> for RustlsConnectOne {
    type Stream = RustlsStream;
    type Error = std::io::Error;
    type Future = Handshake;

    fn connect(self, stream: Socket) -> Handshake {
        Box::pin(async move {
            let connector = tokio_rustls::TlsConnector::from(self.connect.config.clone());
            let host = host_text(&self.name);
            match connector.connect(self.name, stream).await {
                Ok(s) => Ok(RustlsStream(Box::new(s))),
                Err(e) => Err(std::io::Error::other(explain(&e, &host, &self.connect))),
            }
        })
    }
}

fn host_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(d) => d.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        _ => "the server".into(),
    }
}

/// The handshake's failure in an operator's words: which host, which
/// check, which roots.
fn explain(e: &std::io::Error, host: &str, c: &RustlsConnect) -> String {
    let mode = match (c.asked, c.mode) {
        (Some(SslMode::Require), SslMode::VerifyCa) => {
            "require, with a root certificate: checked as verify-ca"
        }
        (_, m) => m.name(),
    };
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
        return format!("{e} (sslmode={mode})");
    };
    let said = match tls {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::NotValidForName => {
                format!("certificate not valid for host {host}")
            }
            CertificateError::NotValidForNameContext { presented, .. } => format!(
                "certificate not valid for host {host} (it names {})",
                presented
                    .iter()
                    .map(|p| bare_name(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            CertificateError::UnknownIssuer => format!(
                "certificate of {host} not signed by a trusted root (checked against {})",
                c.roots.describe()
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                format!("certificate of {host} has expired")
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                format!("certificate of {host} is not valid yet")
            }
            other => format!("certificate of {host} refused: {other}"),
        },
        other => format!("TLS with {host} failed: {other}"),
    };
    format!("{said} (sslmode={mode})")
}

/// rustls shows a presented name as `DnsName("db.internal")`: keep the
/// name.
fn bare_name(presented: &str) -> &str {
    match (presented.find("(\""), presented.rfind("\")")) {
        (Some(a), Some(b)) if a + 2 <= b => &presented[a + 2..b],
        _ => presented,
    }
}

/// The encrypted stream. Channel binding (SCRAM-SHA-256-PLUS) is not
/// offered: the server then uses plain SCRAM-SHA-256 over the TLS link.
pub struct RustlsStream(Box<tokio_rustls::client::TlsStream<Socket>>);

impl AsyncRead for RustlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

impl TlsStream for RustlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

/// What the server's certificate must pass. Without a root (`prefer`,
/// `require`): nothing, encrypted but not authenticated, as in libpq.
/// `verify-ca`: the chain must reach a trusted root; the name is not
/// compared (the certificate may name another host of the cluster).
/// `verify-full`: the chain and the name. In every case the handshake's
/// signatures are checked, so the server holds the key of the
/// certificate it shows.
#[derive(Debug)]
struct Verifier {
    provider: Arc<CryptoProvider>,
    /// None: no check of the certificate.
    chain: Option<Arc<WebPkiServerVerifier>>,
    name: bool,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Take libpq's TLS parameters out of a URL's query (tokio-postgres
/// refuses names it does not know, and knows only three sslmodes).
/// Returns the URL without them, and the parameters; `PGSSLMODE` and
/// `PGSSLROOTCERT` fill in what the URL does not say, as in libpq.
pub fn split_tls_params(raw: &str) -> Result<(String, TlsParams), String> {
    let mut params = TlsParams::default();
    let Some((base, query)) = raw.split_once('?') else {
        return Ok((raw.to_string(), with_env(params)?));
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let value = || percent_decode(v);
        match k {
            "sslmode" => {
                let v = value();
                params.mode = Some(SslMode::parse(&v).ok_or_else(|| {
                    format!(
                        "sslmode={}: not one of disable, prefer, require, verify-ca, verify-full",
                        crate::untrusted::sanitize(&v)
                    )
                })?);
            }
            "sslrootcert" => params.root_cert = Some(value()),
            "sslcert" => params.cert = Some(PathBuf::from(value())),
            "sslkey" => params.key = Some(PathBuf::from(value())),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, with_env(params)?))
}

fn with_env(mut p: TlsParams) -> Result<TlsParams, String> {
    if p.mode.is_none()
        && let Ok(v) = std::env::var("PGSSLMODE")
    {
        p.mode = Some(SslMode::parse(&v).ok_or_else(|| {
            format!(
                "PGSSLMODE={}: not one of disable, prefer, require, verify-ca, verify-full",
                crate::untrusted::sanitize(&v)
            )
        })?);
    }
    if p.root_cert.is_none() {
        p.root_cert = std::env::var("PGSSLROOTCERT").ok();
    }
    // libpq 16: the system's roots vouch for any public name, so they are
    // only worth trusting with the name checked: `sslrootcert=system`
    // means verify-full, and a weaker mode with it is refused.
    if p.root_cert.as_deref() == Some("system") {
        match p.mode {
            None => p.mode = Some(SslMode::VerifyFull),
            Some(SslMode::VerifyFull) => {}
            Some(m) => {
                return Err(format!(
                    "sslrootcert=system needs sslmode=verify-full, not {}",
                    m.name()
                ));
            }
        }
    }
    Ok(p)
}

/// libpq's rule for a private key file: no access for group or others
/// when it is the user's own, at most group read when root owns it.
fn check_key_mode(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", crate::untrusted::show_path(path)))?;
    let mode = m.mode();
    let loose = if m.uid() == nix::unistd::geteuid().as_raw() {
        mode & 0o077 != 0
    } else if m.uid() == 0 {
        mode & 0o037 != 0
    } else {
        false
    };
    if loose {
        return Err(format!(
            "sslkey {}: others may read it (mode {:o}); chmod 600 it",
            crate::untrusted::show_path(path),
            mode & 0o777
        ));
    }
    Ok(())
}

pub(super) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    #[test]
    fn a_key_others_may_read_is_refused_as_libpq_does() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k.pem");
        std::fs::write(&key, b"-----BEGIN PRIVATE KEY-----").unwrap();
        for (mode, ok) in [(0o600, true), (0o400, true), (0o640, false), (0o644, false)] {
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
            let r = check_key_mode(&key);
            assert_eq!(r.is_ok(), ok, "mode {mode:o}: {r:?}");
            if let Err(e) = r {
                assert!(e.contains("chmod 600"), "{e}");
            }
        }
    }

    #[test]
    fn sslrootcert_system_means_verify_full_and_refuses_weaker_modes() {
        let (_, p) = split_tls_params("postgresql://a@db/x?sslrootcert=system").unwrap();
        assert_eq!(p.mode, Some(SslMode::VerifyFull));
        let e =
            split_tls_params("postgresql://a@db/x?sslrootcert=system&sslmode=require").unwrap_err();
        assert!(e.contains("needs sslmode=verify-full, not require"), "{e}");
    }

    use super::*;

    #[test]
    fn tls_parameters_leave_the_url_and_the_rest_stays() {
        let (url, p) = split_tls_params(
            "postgresql://a@db:5432/x?sslmode=verify-full&options=-csearch_path%3Dc&sslrootcert=%2Fetc%2Fca.pem&sslcert=/c.pem&sslkey=/k.pem",
        )
        .unwrap();
        assert_eq!(url, "postgresql://a@db:5432/x?options=-csearch_path%3Dc");
        assert_eq!(p.mode, Some(SslMode::VerifyFull));
        assert_eq!(p.root_cert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(p.cert, Some(PathBuf::from("/c.pem")));
        assert_eq!(p.key, Some(PathBuf::from("/k.pem")));
        let (url, p) = split_tls_params("postgresql://a@db/x?sslmode=disable").unwrap();
        assert_eq!(url, "postgresql://a@db/x");
        assert_eq!(p.mode, Some(SslMode::Disable));
    }

    #[test]
    fn presented_names_lose_their_wrapping() {
        assert_eq!(bare_name("DnsName(\"db.internal\")"), "db.internal");
        assert_eq!(bare_name("10.0.0.1"), "10.0.0.1");
    }

    #[test]
    fn an_unknown_sslmode_is_named() {
        let e = split_tls_params("postgresql://a@db/x?sslmode=verify-some").unwrap_err();
        assert!(e.contains("sslmode=verify-some"), "{e}");
        assert!(e.contains("verify-full"), "{e}");
    }

    #[test]
    fn modes_and_roots_follow_libpq() {
        // (mode, sslrootcert) -> (roots, effective mode)
        let cases: &[(SslMode, Option<&str>, Roots, SslMode)] = &[
            (
                SslMode::Disable,
                Some("/ca.pem"),
                Roots::None,
                SslMode::Disable,
            ),
            (
                SslMode::Prefer,
                Some("/ca.pem"),
                Roots::None,
                SslMode::Prefer,
            ),
            (SslMode::Require, None, Roots::None, SslMode::Require),
            (
                SslMode::Require,
                Some("/ca.pem"),
                Roots::File("/ca.pem".into()),
                SslMode::VerifyCa,
            ),
            (
                SslMode::VerifyCa,
                Some("system"),
                Roots::System,
                SslMode::VerifyCa,
            ),
            (
                SslMode::VerifyFull,
                Some("/ca.pem"),
                Roots::File("/ca.pem".into()),
                SslMode::VerifyFull,
            ),
        ];
        for (mode, root, roots, eff) in cases {
            assert_eq!(&choose_roots(*mode, *root), roots, "{mode:?} {root:?}");
            let p = TlsParams {
                mode: Some(*mode),
                root_cert: root.map(str::to_string),
                ..Default::default()
            };
            assert_eq!(effective_mode(*mode, &p), *eff, "{mode:?} {root:?}");
        }
    }

    #[test]
    fn a_missing_root_file_is_named_before_connecting() {
        let p = TlsParams {
            root_cert: Some("/nonexistent/ca.pem".into()),
            ..Default::default()
        };
        let e = RustlsConnect::new(SslMode::VerifyFull, &p).unwrap_err();
        assert!(
            e.contains("sslrootcert") && e.contains("/nonexistent/ca.pem"),
            "{e}"
        );
        let half = TlsParams {
            cert: Some("/c.pem".into()),
            ..Default::default()
        };
        let e = RustlsConnect::new(SslMode::Require, &half).unwrap_err();
        assert!(e.contains("sslcert and sslkey"), "{e}");
    }
}
