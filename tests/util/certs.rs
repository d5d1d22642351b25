//! Test PKI made with the `openssl` command once per test process: a CA and
//! a server certificate for 127.0.0.1/localhost (TLS registries), and an RSA
//! key with a self-signed certificate for signing registry tokens.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub struct Pki {
    _dir: tempfile::TempDir,
    pub ca_pem: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// PKCS#8 DER of the token-signing RSA key.
    pub signing_key_der: Vec<u8>,
    /// DER of the token-signing certificate (the registry's rootcertbundle).
    pub signing_cert_der: Vec<u8>,
    pub signing_cert_pem: PathBuf,
    /// A client certificate signed by the CA, for mutual TLS (PEM), and its key.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

/// `client.cert` and `client.key`, signed by the CA for client auth.
fn client_certificate(d: &Path, ec: &[&str]) {
    std::fs::write(
        d.join("client.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .expect("write ext");
    let request = [
        "req",
        "-keyout",
        "client.key",
        "-out",
        "client.csr",
        "-subj",
        "/CN=ddigest client",
    ];
    openssl(d, &[&request[..1], ec, &request[1..]].concat());
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "client.cert",
            "-days",
            "2",
            "-extfile",
            "client.ext",
        ],
    );
}

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(make)
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run openssl ({e}): install it with `apt-get install openssl`")
        });
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn make() -> Pki {
    let dir = super::temp_dir("pki");
    let d = dir.path();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        d,
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=ddigest test CA",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        d.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write ext");
    openssl(
        d,
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        ]
        .concat(),
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "sign.key",
        ],
    );
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            "sign.key",
            "-outform",
            "DER",
            "-out",
            "sign.key.der",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "sign.key",
            "-out",
            "sign.pem",
            "-days",
            "2",
            "-subj",
            "/CN=ddigest token signer",
        ],
    );
    openssl(
        d,
        &[
            "x509", "-in", "sign.pem", "-outform", "DER", "-out", "sign.der",
        ],
    );
    client_certificate(d, &ec);
    let read = |name: &str| std::fs::read(d.join(name)).expect("read generated file");
    Pki {
        client_cert: d.join("client.cert"),
        client_key: d.join("client.key"),
        ca_pem: d.join("ca.pem"),
        server_cert: d.join("server.pem"),
        server_key: d.join("server.key"),
        signing_key_der: read("sign.key.der"),
        signing_cert_der: read("sign.der"),
        signing_cert_pem: d.join("sign.pem"),
        _dir: dir,
    }
}
