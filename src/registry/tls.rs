//! TLS trust for the HTTP clients of a run: the system's CA certificates plus
//! `--ca-file`, or no certificate checks with `--insecure`. System roots
//! are loaded when a certificate is first checked, not at start-up: the CA
//! bundle file first (`SSL_CERT_FILE`, else the distribution's bundle),
//! and the certificate directory (`SSL_CERT_DIR`, `/etc/ssl/certs`…) only
//! when the bundle does not know a server's issuer. A run that never
//! checks a certificate (plain HTTP) reads none, and the usual run reads
//! one file instead of hundreds, with the same certificates trusted. A
//! certs.d client certificate is presented for mutual TLS.

use super::certs_d::Identity;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use std::sync::{Arc, OnceLock};

/// The client's TLS settings: HTTP/2 and HTTP/1.1 offered by ALPN, the
/// system's roots plus `extra_roots`, and a client certificate if given.
pub fn client_config(
    extra_roots: Vec<CertificateDer<'static>>,
    insecure: bool,
    identity: Option<Identity>,
) -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(LazyRoots::new(provider.clone(), extra_roots, insecure));
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity {
        Some(Identity { chain, key }) => builder.with_client_auth_cert(chain, key)?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// webpki verification against roots loaded on first use. With
/// `insecure` any certificate is accepted; the handshake's own signatures
/// are still checked, so the peer holds the key it presents.
#[derive(Debug)]
struct LazyRoots {
    provider: Arc<CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
    insecure: bool,
    /// `--ca-file` and the bundle file.
    bundle: OnceLock<Result<Arc<WebPkiServerVerifier>, Error>>,
    /// `--ca-file`, the bundle file and the certificate directories.
    everything: OnceLock<Result<Arc<WebPkiServerVerifier>, Error>>,
}

impl LazyRoots {
    fn new(
        provider: Arc<CryptoProvider>,
        extra: Vec<CertificateDer<'static>>,
        insecure: bool,
    ) -> Self {
        LazyRoots {
            provider,
            extra,
            insecure,
            bundle: OnceLock::new(),
            everything: OnceLock::new(),
        }
    }

    fn bundle(&self) -> Result<Arc<WebPkiServerVerifier>, Error> {
        let init = || {
            let file = openssl_probe::probe().cert_file;
            let found = rustls_native_certs::load_certs_from_paths(file.as_deref(), None);
            self.verifier(found.certs)
        };
        self.bundle.get_or_init(init).clone()
    }

    fn everything(&self) -> Result<Arc<WebPkiServerVerifier>, Error> {
        let init = || self.verifier(rustls_native_certs::load_native_certs().certs);
        self.everything.get_or_init(init).clone()
    }

    fn verifier(
        &self,
        system: Vec<CertificateDer<'static>>,
    ) -> Result<Arc<WebPkiServerVerifier>, Error> {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(self.extra.iter().cloned().chain(system));
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
            .build()
            .map_err(|e| {
                Error::General(format!(
                    "no CA certificates to check the server's certificate against \
                     (none in the system's bundle or certificate folders, none from --ca-file): {e}"
                ))
            })
    }
}

impl ServerCertVerifier for LazyRoots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if self.insecure {
            return Ok(ServerCertVerified::assertion());
        }
        let verify = |v: Arc<WebPkiServerVerifier>| {
            v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        };
        match self.bundle().and_then(verify) {
            Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
            | Err(Error::General(_)) => self.everything().and_then(verify),
            decided => decided,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
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
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
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
