//! Every file keyledger reads or writes on a repository's behalf goes
//! through here: the inventory, `keyledger.toml`, policies, the baseline,
//! `pii.from` schemas, runbook checks, and the files `baseline` and `init`
//! write.
//!
//! The repository is untrusted (SPEC §8), so a path that a repository file
//! names (or a default path at the root) is *contained*: it may not be
//! absolute, may not hold a `..` component, and may not pass through a
//! symlink that resolves outside the root. A path the user gave on the
//! command line is theirs and is not contained. Either way a read is
//! bounded ([`MAX_INPUT_BYTES`]), only regular files are read (a FIFO would
//! block, `/dev/zero` never ends), and the FIFO test happens on the opened
//! descriptor, which is opened non-blocking. Errors name the path, never
//! what the file holds.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Diag, ErrorCode};
use crate::source::SourceFile;

/// The most keyledger reads of any inventory, configuration, policy,
/// baseline or schema file: 8 MiB, far above any real one (a 5,000-secret
/// inventory is about 1.5 MiB).
pub const MAX_INPUT_BYTES: u64 = 8 << 20;

/// Policy files read from `.keyledger/policies/`, at most.
pub const MAX_POLICY_FILES: usize = 1000;

/// What is at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Missing,
    File,
    Dir,
    /// A FIFO, a socket or a device: never opened.
    Special(&'static str),
}

/// The name of a file type that is neither a file nor a directory.
pub fn special_kind(ft: &std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some("fifo");
        }
        if ft.is_char_device() || ft.is_block_device() {
            return Some("device");
        }
        if ft.is_socket() {
            return Some("socket");
        }
    }
    if ft.is_file() || ft.is_dir() || ft.is_symlink() {
        None
    } else {
        Some("special")
    }
}

fn kind_of(md: &std::fs::Metadata) -> Kind {
    let ft = md.file_type();
    if ft.is_file() {
        Kind::File
    } else if ft.is_dir() {
        Kind::Dir
    } else {
        Kind::Special(special_kind(&ft).unwrap_or("special"))
    }
}

fn describe(kind: &'static str) -> &'static str {
    match kind {
        "fifo" => "a FIFO (named pipe)",
        "device" => "a device file",
        "socket" => "a socket",
        _ => "not a regular file",
    }
}

fn refuse(display: &str, why: &str) -> Diag {
    Diag::plain(
        ErrorCode::Io,
        format!("refusing to use {display}: {why}"),
    )
    .with_help(
        "keyledger reads and writes only inside the repository, unless the path is given on the command line",
    )
}

fn io_error(display: &str, verb: &str, e: &std::io::Error) -> Diag {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "not found".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            // The OS message, without anything the file holds.
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_string()
        }
    };
    Diag::plain(ErrorCode::Io, format!("cannot {verb} {display}: {what}"))
}

/// Checks that `rel`, a path named by the repository, stays inside `root`:
/// not absolute, no `..`, and no symlink along it that resolves outside
/// the root (symlinks inside the repository are fine). Returns what is at
/// the path (following symlinks, which are known to stay inside).
pub fn contained(root: &Path, rel: &Path, display: &str) -> Result<Kind, Diag> {
    let mut normal = Vec::new();
    for c in rel.components() {
        match c {
            Component::CurDir => {}
            Component::Normal(n) => normal.push(n),
            Component::ParentDir => {
                return Err(refuse(
                    display,
                    "the path holds `..`; paths from the repository stay inside it",
                ));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(refuse(
                    display,
                    "the path is absolute; paths from the repository are relative to its root",
                ));
            }
        }
    }
    let canon_root = std::fs::canonicalize(root).map_err(|e| io_error(display, "resolve", &e))?;
    let mut cur = root.to_path_buf();
    for (i, n) in normal.iter().enumerate() {
        cur.push(n);
        let md = match std::fs::symlink_metadata(&cur) {
            Ok(md) => md,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Kind::Missing),
            Err(e) => return Err(io_error(display, "read", &e)),
        };
        if md.file_type().is_symlink() {
            let target = match std::fs::canonicalize(&cur) {
                Ok(t) => t,
                Err(_) => {
                    return Err(refuse(
                        display,
                        "it passes through a symlink that does not resolve (missing target or a loop)",
                    ));
                }
            };
            if !target.starts_with(&canon_root) {
                return Err(refuse(
                    display,
                    "it is or passes through a symlink that leads outside the repository",
                ));
            }
        } else if i + 1 < normal.len() && !md.is_dir() {
            return Ok(Kind::Missing);
        }
    }
    match std::fs::metadata(&cur) {
        Ok(md) => Ok(kind_of(&md)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Kind::Missing),
        Err(e) => Err(io_error(display, "read", &e)),
    }
}

/// What is at `path` (following symlinks), without opening it.
pub fn kind(path: &Path) -> Kind {
    match std::fs::metadata(path) {
        Ok(md) => kind_of(&md),
        Err(_) => Kind::Missing,
    }
}

/// Opens for reading without blocking on a FIFO or a terminal (the type
/// is checked on the open file by the caller).
pub fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    o.open(path)
}

/// Reads at most [`MAX_INPUT_BYTES`] of a regular file; anything else (a
/// FIFO, a device, a directory, a bigger file) is an error naming the path.
pub fn read_bounded(path: &Path, display: &str) -> Result<Vec<u8>, Diag> {
    read_bounded_with(path, display, MAX_INPUT_BYTES)
}

fn read_bounded_with(path: &Path, display: &str, limit: u64) -> Result<Vec<u8>, Diag> {
    let file = open_nonblocking(path).map_err(|e| io_error(display, "read", &e))?;
    let md = file.metadata().map_err(|e| io_error(display, "read", &e))?;
    match kind_of(&md) {
        Kind::File => {}
        Kind::Dir => {
            return Err(Diag::plain(
                ErrorCode::Io,
                format!("cannot read {display}: it is a directory"),
            ));
        }
        Kind::Special(k) => {
            return Err(Diag::plain(
                ErrorCode::Io,
                format!("cannot read {display}: it is {}", describe(k)),
            ));
        }
        Kind::Missing => {
            return Err(Diag::plain(
                ErrorCode::Io,
                format!("cannot read {display}: not found"),
            ));
        }
    }
    let too_big = || {
        Diag::plain(
            ErrorCode::Io,
            format!(
                "cannot read {display}: it is larger than {} MiB",
                limit >> 20
            ),
        )
        .with_help(
            "keyledger bounds every inventory, configuration, policy and baseline file it reads",
        )
    };
    if md.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(md.len() as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(display, "read", &e))?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// A file's bytes as UTF-8 text; bad bytes are an error that names the line
/// and column, not the bytes.
pub fn to_source(bytes: Vec<u8>, display: &str) -> Result<Arc<SourceFile>, Diag> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(display, text)),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let src = SourceFile::new(display, prefix);
            let lc = src.line_col(valid);
            Err(Diag::plain(
                ErrorCode::Io,
                format!(
                    "{display}:{}:{}: the file is not valid UTF-8 (byte offset {valid}); save it as UTF-8",
                    lc.line, lc.column
                ),
            ))
        }
    }
}

/// Reads a text file the user named on the command line (bounded).
pub fn read_named(path: &Path, display: &str) -> Result<Arc<SourceFile>, Diag> {
    to_source(read_bounded(path, display)?, display)
}

/// Reads a text file the repository names, `rel` under `root` (contained
/// and bounded). `None` when nothing is there.
pub fn read_in_repo(
    root: &Path,
    rel: &Path,
    display: &str,
) -> Result<Option<Arc<SourceFile>>, Diag> {
    match contained(root, rel, display)? {
        Kind::Missing => Ok(None),
        _ => Ok(Some(to_source(
            read_bounded(&root.join(rel), display)?,
            display,
        )?)),
    }
}

/// Like [`read_in_repo`], a missing file being an error.
pub fn read_in_repo_required(
    root: &Path,
    rel: &Path,
    display: &str,
) -> Result<Arc<SourceFile>, Diag> {
    read_in_repo(root, rel, display)?
        .ok_or_else(|| Diag::plain(ErrorCode::Io, format!("cannot read {display}: not found")))
}

static TMP_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Writes `bytes` to `path` atomically: a new temporary file in the same
/// folder (never an existing one, never through a symlink), flushed to
/// disk, then renamed over `path`. A crash or a full disk leaves the old
/// file as it was. The new file keeps the old one's permissions.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let old_perms = std::fs::symlink_metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.permissions());
    let mut attempt = 0;
    let (tmp, mut file) = loop {
        let n = TMP_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.keyledger-{}-{n}.tmp", std::process::id()));
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o644).custom_flags(libc::O_NOFOLLOW);
        }
        match o.open(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        file.write_all(bytes)?;
        if let Some(p) = old_perms {
            file.set_permissions(p)?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // The rename itself reaches the disk with the folder.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates the missing folders of `rel` (a file path) under `root`; the
/// existing part was checked by [`contained`].
pub fn create_parent_dirs(root: &Path, rel: &Path, display: &str) -> Result<(), Diag> {
    if let Some(parent) = rel.parent()
        && !parent.as_os_str().is_empty()
    {
        let dir = root.join(parent);
        std::fs::create_dir_all(&dir).map_err(|e| io_error(display, "create the folder of", &e))?;
        // Created now, by us: nothing on the way can point outside, but a
        // race with another writer could; check again.
        contained(root, parent, display)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotdot_absolute_and_outward_symlinks_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("x"), "TOKEN=1").unwrap();
        let repo = tempfile::tempdir().unwrap();
        let root = repo.path();
        std::fs::write(root.join("in.yaml"), "a: 1").unwrap();
        std::fs::create_dir(root.join("d")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("x"), root.join("out")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("outdir")).unwrap();
        std::os::unix::fs::symlink("in.yaml", root.join("inlink")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        let c = |p: &str| contained(root, Path::new(p), p);
        assert_eq!(c("in.yaml").unwrap(), Kind::File);
        assert_eq!(c("./d").unwrap(), Kind::Dir);
        assert_eq!(c("inlink").unwrap(), Kind::File);
        assert_eq!(c("nope/x").unwrap(), Kind::Missing);
        for bad in [
            "../x",
            "d/../in.yaml",
            "/etc/passwd",
            "out",
            "outdir/x",
            "loop",
        ] {
            let e = c(bad).unwrap_err();
            assert!(e.message.contains(bad), "{bad}: {}", e.message);
            assert!(!e.message.contains("TOKEN"), "{}", e.message);
        }
    }

    #[test]
    fn reads_are_bounded_and_refuse_special_files() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'a'; 2000]).unwrap();
        let e = read_bounded_with(&big, "big", 1000).unwrap_err();
        assert!(e.message.contains("larger than"), "{}", e.message);
        let e = read_bounded(Path::new("/dev/zero"), "zero").unwrap_err();
        assert!(e.message.contains("device"), "{}", e.message);
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid C string; mkfifo only creates a node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_bounded(&fifo, "fifo").unwrap_err();
        assert!(e.message.contains("FIFO"), "{}", e.message);
        let e = read_bounded(dir.path(), "dir").unwrap_err();
        assert!(e.message.contains("directory"), "{}", e.message);
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
