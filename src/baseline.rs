//! Baseline stage: findings whose fingerprint is in the baseline file are
//! accepted (reported as `suppressed: baseline`, not blocking); entries
//! that match nothing are reported as `stale-baseline`.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::{Diag, ErrorCode, Fatal};
use crate::finding::{Finding, Suppression};
use crate::rules::Sink;
use crate::rules::stale_baseline;
use crate::source::Span;

#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// The baseline text for the current unsuppressed findings: one entry per
/// fingerprint, sorted, no values (fingerprints are hashes).
pub fn render(findings: &[Finding]) -> String {
    let mut seen = HashSet::new();
    let mut entries: Vec<Entry> = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .filter_map(|f| {
            let fp = f.fingerprint();
            seen.insert(fp.clone()).then(|| Entry {
                fingerprint: fp,
                rule: f.rule.clone(),
                path: f.path().to_string(),
                secret: f.secret.clone(),
            })
        })
        .collect();
    entries.sort_by(|a, b| {
        (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
    });
    let mut s = serde_json::to_string_pretty(&File {
        version: 1,
        findings: entries,
    })
    .unwrap_or_default();
    s.push('\n');
    s
}

/// Applies the baseline at `rel` under `root` (if there is one) and adds a
/// `stale-baseline` finding per unmatched entry. The baseline is the
/// repository's file: contained and bounded ([`crate::fsutil`]).
/// `report_stale`: the run saw everything a baseline entry can match (a
/// whole tree or the history); a partial scan cannot call an entry stale.
pub fn apply(root: &Path, rel: &str, sink: &mut Sink, report_stale: bool) -> Result<(), Fatal> {
    let Some(src) = crate::fsutil::read_in_repo(root, Path::new(rel), rel)? else {
        return Ok(());
    };
    let file: File = serde_json::from_str(&src.text).map_err(|e| {
        let at = src.offset_of(e.line(), e.column().saturating_sub(1));
        Diag::at(
            ErrorCode::Baseline,
            format!("invalid baseline {rel}: {e}"),
            &src,
            Span::new(at, at),
            "here",
        )
        .with_help("regenerate it with `keyledger baseline`")
    })?;
    let mut used = HashSet::new();
    let known: HashSet<&str> = file
        .findings
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    for f in sink.findings_mut() {
        if f.suppressed.is_some() {
            continue;
        }
        let fp = f.fingerprint();
        if known.contains(fp.as_str()) {
            f.suppressed = Some(Suppression::Baseline);
            used.insert(fp);
        }
    }
    if !report_stale || !sink.enabled(stale_baseline::RULE.id) {
        return Ok(());
    }
    let places = string_places(&src.text);
    for e in &file.findings {
        if used.contains(&e.fingerprint) {
            continue;
        }
        let at = places.get(e.fingerprint.as_str()).copied().unwrap_or(0);
        let span = Span::new(at, at + e.fingerprint.len() + 2);
        sink.emit(stale_baseline::check(&src, e, span));
    }
    Ok(())
}

/// Where each JSON string literal of `text` first appears (the offset of
/// its opening quote), by its raw content: one pass, so locating 40,000
/// stale entries does not search the file 40,000 times.
fn string_places(text: &str) -> std::collections::HashMap<&str, usize> {
    let b = text.as_bytes();
    let mut out = std::collections::HashMap::new();
    let mut i = 0;
    while let Some(q) = memchr::memchr(b'"', &b[i..]) {
        let start = i + q;
        let mut j = start + 1;
        while j < b.len() && b[j] != b'"' {
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(b.len());
        if let Some(s) = text.get(start + 1..end) {
            out.entry(s).or_insert(start);
        }
        i = end + 1;
        if i >= b.len() {
            break;
        }
    }
    out
}

/// Why an existing file at the baseline path may not be replaced.
fn not_a_baseline(path: &Path, display: &str) -> Option<String> {
    match crate::fsutil::read_bounded(path, display) {
        Err(d) => Some(d.message),
        Ok(bytes) => match serde_json::from_slice::<File>(&bytes) {
            Ok(_) => None,
            Err(_) => Some(format!("{display} exists and is not a keyledger baseline")),
        },
    }
}

/// Writes the baseline for `findings` to `rel` under `root`, atomically
/// (a temporary file in the same folder, renamed over the old one). The
/// path comes from the configuration, so it must stay inside the
/// repository; a file there that is not a keyledger baseline is replaced
/// only with `force`. Returns the number of entries.
pub fn write(root: &Path, rel: &str, findings: &[Finding], force: bool) -> Result<usize, Fatal> {
    let rel_path = Path::new(rel);
    let kind = crate::fsutil::contained(root, rel_path, rel)?;
    let path = root.join(rel_path);
    match kind {
        crate::fsutil::Kind::Missing => crate::fsutil::create_parent_dirs(root, rel_path, rel)?,
        crate::fsutil::Kind::File => {
            if !force && let Some(why) = not_a_baseline(&path, rel) {
                return Err(Diag::plain(ErrorCode::Io, format!("not replacing {rel}: {why}"))
                    .with_help("pass --force to replace it, or set `baseline` in keyledger.toml to another path")
                    .into());
            }
        }
        crate::fsutil::Kind::Dir => {
            return Err(Diag::plain(
                ErrorCode::Io,
                format!("cannot write {rel}: it is a directory"),
            )
            .into());
        }
        crate::fsutil::Kind::Special(k) => {
            return Err(Diag::plain(
                ErrorCode::Io,
                format!("cannot write {rel}: it is a {k}, not a file"),
            )
            .into());
        }
    }
    let text = render(findings);
    crate::fsutil::write_atomic(&path, text.as_bytes())
        .map_err(|e| Diag::plain(ErrorCode::Io, format!("cannot write {rel}: {e}")))?;
    Ok(findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| f.fingerprint())
        .collect::<HashSet<_>>()
        .len())
}
