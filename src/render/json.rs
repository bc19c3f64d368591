//! JSON output, the shape of SPEC §5:
//! `{"version": 1, "findings": [...], "summary": {...}}`.

use serde::Serialize;

use crate::check::Outcome;
use crate::finding::{Finding, Suppression};

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub rule: &'a str,
    pub severity: &'a str,
    pub message: std::borrow::Cow<'a, str>,
    pub path: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub secret: Option<&'a str>,
    pub commit: Option<&'a str>,
    pub fingerprint: String,
    /// Why it does not block: a waiver, the baseline or an inline allow.
    pub suppressed: Option<&'a Suppression>,
}

pub fn finding(f: &Finding) -> JsonFinding<'_> {
    let (start, end) = f.source.range(f.span);
    JsonFinding {
        rule: &f.rule,
        severity: f.severity.as_str(),
        message: crate::redact::secrets(&f.message),
        path: f.path(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        secret: f.secret.as_deref(),
        commit: f.commit.as_deref(),
        fingerprint: f.fingerprint(),
        suppressed: f.suppressed.as_ref(),
    }
}

pub fn render(out: &Outcome) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        version: u32,
        findings: Vec<JsonFinding<'a>>,
        summary: &'a crate::check::Summary,
    }
    let doc = Doc {
        version: 1,
        findings: out.findings.iter().map(finding).collect(),
        summary: &out.summary,
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
