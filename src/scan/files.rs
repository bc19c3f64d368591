//! `check --files PATH...`: scans exactly the files given, as they are on
//! disk, with every content check; what pre-commit runs (it passes the
//! staged files on a commit, and every tracked file under `--all-files`).
//! Skips are counted as in a tree walk: symbolic links (unless
//! `scan.follow_symlinks`), files over `scan.max_file_size`, anything that
//! is not a regular file, unreadable files.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Scanner, Skip, Stats};
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::finding::Finding;

impl Scanner {
    /// Scans `paths` (relative to the current directory; shown relative to
    /// `root`). A path that does not exist, or is a directory, is a usage
    /// error: the caller named it.
    pub fn scan_files(
        &self,
        root: &Path,
        paths: &[PathBuf],
    ) -> Result<(Vec<Finding>, Stats), Fatal> {
        let mut errors = Vec::new();
        for p in paths {
            match std::fs::symlink_metadata(p) {
                Ok(m) if m.is_dir() => errors.push(
                    Diag::plain(
                        ErrorCode::Usage,
                        format!("--files: {} is a directory", p.display()),
                    )
                    .with_help("scan a directory with `keyledger check DIR`"),
                ),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => errors.push(Diag::plain(
                    ErrorCode::Usage,
                    format!("--files: {} does not exist", p.display()),
                )),
                Err(_) => {} // counted as unreadable below
            }
        }
        if !errors.is_empty() {
            return Err(Fatal(errors));
        }
        let next = AtomicUsize::new(0);
        let found = Mutex::new(Vec::new());
        let stats = Mutex::new(Stats::default());
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(paths.len().div_ceil(16))
            .max(1);
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    let mut local = Stats::default();
                    let mut out = Vec::new();
                    let mut buf = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = paths.get(i) else { break };
                        self.scan_one(root, p, &mut buf, &mut local, &mut out);
                    }
                    if let Ok(mut f) = found.lock() {
                        f.append(&mut out);
                    }
                    if let Ok(mut st) = stats.lock() {
                        st.merge(local);
                    }
                });
            }
        });
        let mut findings = found.into_inner().unwrap_or_default();
        crate::finding::sort(&mut findings);
        let mut stats = stats.into_inner().unwrap_or_default();
        for v in stats.skipped.values_mut() {
            v.sort();
        }
        Ok((findings, stats))
    }

    fn scan_one(
        &self,
        root: &Path,
        path: &Path,
        buf: &mut Vec<u8>,
        stats: &mut Stats,
        out: &mut Vec<Finding>,
    ) {
        let shown = crate::source::display_path(root, path);
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                if !self.follow_symlinks {
                    stats.skip(Skip::Symlink, shown);
                    return;
                }
                match std::fs::metadata(path) {
                    Ok(m) => m,
                    Err(_) => {
                        stats.skip(Skip::Symlink, shown);
                        return;
                    }
                }
            }
            Ok(m) => m,
            Err(_) => {
                stats.skip(Skip::Unreadable, shown);
                return;
            }
        };
        if !meta.is_file() {
            // FIFOs, sockets, devices: reading one could block or never end.
            stats.skip_reason("special_file", shown);
            return;
        }
        if meta.len() > self.max_file_size {
            stats.skip(Skip::TooLarge, shown);
            return;
        }
        buf.clear();
        let read =
            std::fs::File::open(path).and_then(|f| f.take(self.max_file_size + 1).read_to_end(buf));
        match read {
            Ok(_) if buf.len() as u64 > self.max_file_size => stats.skip(Skip::TooLarge, shown),
            Ok(_) => out.append(&mut self.scan_bytes(&shown, buf, stats)),
            Err(_) => stats.skip(Skip::Unreadable, shown),
        }
        if buf.capacity() > 4 << 20 {
            *buf = Vec::new();
        }
    }
}
