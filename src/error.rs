//! Errors that are the user's to fix (exit code 2), as opposed to failures
//! while working (exit code 1).

use std::fmt;

/// A problem with the command line, a profile or the target folder: the run
/// did not start. `main` turns it into exit code 2.
#[derive(Debug)]
pub struct Usage(pub String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

impl From<crate::profile::ProfileError> for Usage {
    fn from(e: crate::profile::ProfileError) -> Self {
        Usage(e.0)
    }
}

/// Exit codes.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// The work failed (I/O, invalid bundle found by validate, ...).
    pub const FAILURE: u8 = 1;
    /// Bad usage: flags, profile, or a folder that must not be touched.
    pub const USAGE: u8 = 2;
}
