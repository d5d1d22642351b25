//! Exit codes, in one place: what each means and which error maps to which.
//! The README's table is generated from the same meanings.

use crate::reference::ReferenceError;
use crate::registry::RegistryError;

/// How a run of ddigest ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: every reference resolved.
    Resolved = 0,
    /// 1: network, auth, registry error, digest mismatch.
    Failed = 1,
    /// 2: bad usage or an invalid reference.
    Usage = 2,
    /// 3: unknown tag, manifest or repository.
    NotFound = 3,
}

impl Exit {
    /// The exit code a failed resolution ends with.
    pub fn of_error(err: &anyhow::Error) -> Exit {
        for cause in err.chain() {
            if cause.downcast_ref::<ReferenceError>().is_some() {
                return Exit::Usage;
            }
            if cause
                .downcast_ref::<RegistryError>()
                .is_some_and(RegistryError::is_not_found)
            {
                return Exit::NotFound;
            }
        }
        Exit::Failed
    }

    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_codes() {
        let usage = anyhow::Error::from(ReferenceError::NameEmpty).context("parsing");
        assert_eq!(Exit::of_error(&usage), Exit::Usage);
        let missing = RegistryError {
            method: "HEAD".into(),
            url: "https://r/v2/x/manifests/y".into(),
            status: 404,
            errors: vec![],
        };
        assert_eq!(Exit::of_error(&missing.into()), Exit::NotFound);
        assert_eq!(
            Exit::of_error(&anyhow::anyhow!("network down")),
            Exit::Failed
        );
    }
}
