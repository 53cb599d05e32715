//! A directory of a test's own under the system's temporary directory: emptied when made,
//! removed when the test ends well, and kept when it fails, to look at.

use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A test's directory; it derefs to its path.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// `portabilling-NAME-PID`, empty and created.
    pub fn new(name: &str) -> Scratch {
        let path = Self::path_for(name);
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a scratch directory");
        Scratch { path }
    }

    /// `portabilling-NAME-PID`, absent: for a command that must create it itself.
    pub fn absent(name: &str) -> Scratch {
        let path = Self::path_for(name);
        let _ = std::fs::remove_dir_all(&path);
        Scratch { path }
    }

    fn path_for(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("portabilling-{name}-{}", std::process::id()))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<std::ffi::OsStr> for Scratch {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.path.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
