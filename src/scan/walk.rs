//! The tree walk shared by `check` (the scan) and `init` (the draft): one
//! set of walk options and one classifier for every entry, so both see the
//! same files and skip the same things for the same reasons.
//!
//! Gitignore semantics (`.gitignore`, `.git/info/exclude`; not the user's
//! global excludes, which differ between a laptop and CI), hidden files
//! included, `.git` excluded. Symlinks are counted and not followed unless
//! `scan.follow_symlinks` is on, and then only when they stay inside the
//! repository. FIFOs, devices and sockets are counted and never opened.

use std::path::{Path, PathBuf};

use super::Skip;

/// How to walk one tree.
pub struct TreeWalk<'r> {
    root: &'r Path,
    canon_root: Option<PathBuf>,
    max_file_size: u64,
    follow_symlinks: bool,
}

/// What to do with one entry of the walk.
#[derive(Debug, PartialEq, Eq)]
pub enum Visit {
    /// A regular file, read into the caller's buffer; its display path.
    File(String),
    /// Not read, and why (counted in the run's summary).
    Skipped(Skip, String),
    /// Not read, and nothing under it is walked (a symlinked folder that
    /// leads outside the repository).
    Pruned(Skip, String),
    /// A folder: nothing to do.
    Folder,
}

impl<'r> TreeWalk<'r> {
    pub fn new(root: &'r Path, max_file_size: u64, follow_symlinks: bool) -> Self {
        TreeWalk {
            root,
            canon_root: std::fs::canonicalize(root).ok(),
            max_file_size,
            follow_symlinks,
        }
    }

    /// The walker, with the options every tree walk uses.
    pub fn builder(&self) -> ignore::WalkBuilder {
        let mut b = ignore::WalkBuilder::new(self.root);
        b.hidden(false)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .follow_links(self.follow_symlinks)
            .filter_entry(|e| e.file_name() != ".git");
        b
    }

    /// Walks on this thread, in order, calling `f` with each entry's visit
    /// and the bytes of a file read (the buffer is reused: take it to keep
    /// it). Pruned folders are not entered.
    pub fn each(&self, mut f: impl FnMut(Visit, &mut Vec<u8>)) {
        // The sequential walker cannot be told to skip a folder: entries
        // under a pruned one are dropped here.
        let mut pruned: Vec<PathBuf> = Vec::new();
        let mut buf = Vec::new();
        for entry in self.builder().build() {
            if let Ok(e) = &entry
                && pruned.iter().any(|p| e.path().starts_with(p))
            {
                continue;
            }
            let entry_path = entry.as_ref().ok().map(|e| e.path().to_path_buf());
            let visit = self.visit(entry, &mut buf);
            if matches!(visit, Visit::Pruned(..)) {
                pruned.extend(entry_path);
            }
            f(visit, &mut buf);
        }
    }

    /// A path as findings and summaries show it.
    pub fn display(&self, path: &Path) -> String {
        crate::source::display_path(self.root, path)
    }

    /// Classifies one entry; a regular file is read into `buf` (cleared
    /// first), at most `max_file_size` bytes.
    pub fn visit(
        &self,
        entry: Result<ignore::DirEntry, ignore::Error>,
        buf: &mut Vec<u8>,
    ) -> Visit {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = match &e {
                    ignore::Error::WithPath { path, .. } => self.display(path),
                    _ => String::new(),
                };
                let why = if e.to_string().contains("loop") {
                    Skip::Symlink
                } else {
                    Skip::WalkError
                };
                return Visit::Skipped(why, if path.is_empty() { e.to_string() } else { path });
            }
        };
        let Some(ft) = entry.file_type() else {
            // Standard input; a walk of a folder never yields it.
            return Visit::Folder;
        };
        let path = self.display(entry.path());
        // Followed symlinks stay inside the repository: the configuration
        // is the repository's, and so is every link.
        if entry.path_is_symlink() && !ft.is_symlink() {
            let inside = self.canon_root.as_ref().is_some_and(|r| {
                std::fs::canonicalize(entry.path()).is_ok_and(|t| t.starts_with(r))
            });
            if !inside {
                return Visit::Pruned(Skip::OutsideRoot, path);
            }
        }
        if ft.is_symlink() {
            return Visit::Skipped(Skip::Symlink, path);
        }
        if ft.is_dir() {
            return Visit::Folder;
        }
        if !ft.is_file() {
            // FIFOs, devices and sockets are never opened: opening a FIFO
            // blocks until someone writes.
            return Visit::Skipped(Skip::special(&ft).unwrap_or(Skip::Unreadable), path);
        }
        if entry.metadata().is_ok_and(|m| m.len() > self.max_file_size) {
            return Visit::Skipped(Skip::TooLarge, path);
        }
        buf.clear();
        match read_regular(entry.path(), self.max_file_size, buf) {
            Ok(true) => Visit::File(path),
            Ok(false) => Visit::Skipped(Skip::TooLarge, path),
            Err(why) => Visit::Skipped(why, path),
        }
    }
}

/// Reads a regular file into `buf`, at most `max` bytes: `Ok(false)` when
/// it holds more (it grew since it was listed). The file is opened
/// non-blocking and checked again once open, so a FIFO swapped in after
/// the walk listed a file cannot block the scan.
fn read_regular(path: &Path, max: u64, buf: &mut Vec<u8>) -> Result<bool, Skip> {
    use std::io::Read;
    let file = crate::fsutil::open_nonblocking(path).map_err(|_| Skip::Unreadable)?;
    let md = file.metadata().map_err(|_| Skip::Unreadable)?;
    if !md.is_file() {
        return Err(Skip::special(&md.file_type()).unwrap_or(Skip::Unreadable));
    }
    file.take(max + 1)
        .read_to_end(buf)
        .map_err(|_| Skip::Unreadable)?;
    Ok(buf.len() as u64 <= max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(root: &Path, max: u64, follow: bool) -> Vec<Visit> {
        let w = TreeWalk::new(root, max, follow);
        let mut out = Vec::new();
        w.each(|v, _| {
            if v != Visit::Folder {
                out.push(v);
            }
        });
        out.sort_by_key(|v| match v {
            Visit::File(p) | Visit::Skipped(_, p) | Visit::Pruned(_, p) => p.clone(),
            Visit::Folder => String::new(),
        });
        out
    }

    #[test]
    fn files_ignored_files_large_files_and_git() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "ignored.txt\n").unwrap();
        std::fs::write(root.join("ignored.txt"), "x").unwrap();
        std::fs::write(root.join(".env"), "A=1\n").unwrap();
        std::fs::write(root.join("big.txt"), vec![b'a'; 100]).unwrap();
        std::fs::create_dir(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/config"), "x").unwrap();
        let v = walk(root, 50, false);
        assert_eq!(
            v,
            vec![
                Visit::File(".env".into()),
                Visit::File(".gitignore".into()),
                Visit::Skipped(Skip::TooLarge, "big.txt".into()),
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_fifos_and_links_outside_the_root() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.txt"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("a.txt"), root.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("out")).unwrap();
        let fifo = std::ffi::CString::new(root.join("pipe").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and a mode.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        assert_eq!(
            walk(root, 1 << 20, false),
            vec![
                Visit::File("a.txt".into()),
                Visit::Skipped(Skip::Symlink, "link.txt".into()),
                Visit::Skipped(Skip::Symlink, "out".into()),
                Visit::Skipped(Skip::Fifo, "pipe".into()),
            ]
        );
        assert_eq!(
            walk(root, 1 << 20, true),
            vec![
                Visit::File("a.txt".into()),
                Visit::File("link.txt".into()),
                Visit::Pruned(Skip::OutsideRoot, "out".into()),
                Visit::Skipped(Skip::Fifo, "pipe".into()),
            ]
        );
    }
}
