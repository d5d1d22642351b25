//! What every command that talks to registries sets up from its flags:
//! the HTTP transport (CA file, `--insecure`, timeout, retries, `-v`), the
//! credentials (`--creds`, `--username` with `--password-stdin`, then the
//! files docker and podman use), registries.conf and the cache runs share,
//! as one `Client`.

use crate::cli::TransportArgs;
use crate::credentials::config::Credential;
use crate::credentials::CredentialStore;
use crate::registries_conf;
use crate::registry::disk_cache;
use crate::registry::transport::TransportOptions;
use crate::registry::Client;
use crate::secret::Secret;

/// The client the flags describe.
pub fn client(args: &TransportArgs) -> anyhow::Result<Client> {
    let transport = TransportOptions {
        ca_file: args.ca_file.clone(),
        insecure: args.insecure,
        timeout: args.timeout,
        retries: args.retries,
        verbose: args.verbose,
    };
    let credentials = CredentialStore::from_env(explicit_credential(args)?);
    let client = Client::new(&transport, credentials, registries_conf::load::load()?)?;
    let disk = disk_cache::location(args.no_cache)
        .and_then(|dir| disk_cache::DiskCache::open(dir, args.verbose));
    Ok(client.with_disk_cache(disk))
}

/// Asks for the password on the terminal, without echo.
fn ask_password(username: &str) -> anyhow::Result<Secret> {
    let password =
        rpassword::prompt_password(format!("Password for {username}: ")).map_err(|e| {
            anyhow::anyhow!(
                "--creds {username}: cannot ask for the password ({e}); \
             give USER:PASSWORD, or --username with --password-stdin"
            )
        })?;
    anyhow::ensure!(
        !password.is_empty(),
        "--creds {username}: no password given"
    );
    Ok(Secret::new(password))
}

/// `--creds`, or `--username` with the password read from stdin.
fn explicit_credential(args: &TransportArgs) -> anyhow::Result<Option<Credential>> {
    if let Some(creds) = &args.creds {
        let password = match &creds.password {
            Some(password) => password.clone(),
            None => ask_password(&creds.username)?,
        };
        return Ok(Some(Credential::Basic {
            username: creds.username.clone(),
            password,
        }));
    }
    let Some(username) = args.username.clone().filter(|_| args.password_stdin) else {
        return Ok(None);
    };
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| anyhow::anyhow!("--password-stdin: cannot read stdin: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(
        !password.is_empty(),
        "--password-stdin: stdin holds no password"
    );
    Ok(Some(Credential::Basic {
        username,
        password: Secret::new(password.to_string()),
    }))
}

/// The `--key` files and keyless flags read; a file or flag that cannot
/// be used is said on stderr (`ddigest: --key PATH: why`) and ends the
/// run as bad usage.
pub fn verifier(
    keys: &crate::cli::Keys,
    args: &TransportArgs,
) -> Result<std::sync::Arc<crate::signature::Verifier>, crate::exit::Exit> {
    match crate::signature::Verifier::from_args(keys, args.verbose) {
        Ok(verifier) => Ok(std::sync::Arc::new(verifier)),
        Err(e) => {
            crate::console::say_run(&e.to_string());
            Err(crate::exit::Exit::Usage)
        }
    }
}
