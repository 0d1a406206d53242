//! Loading a profile by name or path: the one place a profile file is read.
//! `profile` only parses text and knows the built-ins; this edge is used by
//! the CLI and by anything else that takes `--profile NAME|PATH`.

use crate::profile::{builtin_names, Profile, ProfileError};
use std::path::Path;

/// Loads a built-in profile by name, or a TOML file by path. A built-in name
/// wins over a file of the same name in the working folder.
pub fn load(name_or_path: &str) -> Result<Profile, ProfileError> {
    if let Some(profile) = Profile::builtin(name_or_path) {
        return profile;
    }
    let path = Path::new(name_or_path);
    if !path.exists() {
        return Err(ProfileError(format!(
            "profile '{name_or_path}' is neither a built-in profile ({}) nor an existing file",
            builtin_names().join(", ")
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| ProfileError(format!("cannot read profile {}: {e}", path.display())))?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "custom".into());
    Profile::parse(&text, &stem).map_err(|e| ProfileError(format!("{}: {}", path.display(), e.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_paths_and_neither() {
        assert_eq!(load("tiny").unwrap(), Profile::load("tiny").unwrap());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        std::fs::write(&path, crate::profile::BUILTIN[0].1).unwrap();
        let p = load(path.to_str().unwrap()).unwrap();
        assert_eq!(p.nodes, Profile::load("tiny").unwrap().nodes);
        let e = load("no-such-profile").unwrap_err().0;
        assert!(e.contains("neither a built-in profile (tiny, small"), "{e}");
        let e = Profile::load(path.to_str().unwrap()).unwrap_err().0;
        assert!(e.contains("is not a built-in profile"), "{e}");
    }
}
