//! Baseline stage: findings whose fingerprint is in the baseline file are
//! accepted (reported as `suppressed: baseline`, not blocking); entries
//! that match nothing are reported as `stale-baseline`.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diag::{Diag, Fatal};
use crate::finding::{Finding, Suppression};
use crate::inventory::read_text;
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

/// Applies the baseline at `path` (if it exists) and adds a
/// `stale-baseline` finding per unmatched entry.
/// `report_stale`: the run saw everything a baseline entry can match (a
/// whole tree or the history); a partial scan cannot call an entry stale.
pub fn apply(root: &Path, rel: &str, sink: &mut Sink, report_stale: bool) -> Result<(), Fatal> {
    let path = root.join(rel);
    if !path.exists() {
        return Ok(());
    }
    let src = read_text(&path, rel)?;
    let file: File = serde_json::from_str(&src.text).map_err(|e| {
        let at = src.offset_of(e.line(), e.column().saturating_sub(1));
        Diag::at(
            "baseline",
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
    for e in &file.findings {
        if used.contains(&e.fingerprint) {
            continue;
        }
        let at = src
            .text
            .find(&format!("\"{}\"", e.fingerprint))
            .unwrap_or(0);
        let span = Span::new(at, at + e.fingerprint.len() + 2);
        sink.emit(stale_baseline::check(&src, e, span));
    }
    Ok(())
}
