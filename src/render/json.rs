//! JSON output, the shape of SPEC §5:
//! `{"version": 1, "findings": [...], "summary": {...}}`, plus
//! `"inventory"`: the checked inventory's names, owners, stores, cadences
//! and dates (never a value), so that `keyledger report` can merge the
//! outputs of many repositories.

use serde::Serialize;

use crate::check::Outcome;
use crate::finding::{Finding, Suppression};
use crate::inventory::Inventory;

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
    /// Locations in other files that explain it (the policy line that
    /// required what is missing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related<'a>>,
}

#[derive(Serialize)]
pub struct Related<'a> {
    pub path: &'a str,
    pub line: usize,
    pub column: usize,
    pub message: &'a str,
}

/// The labels of `f` that point into other files.
pub fn related(f: &Finding) -> Vec<Related<'_>> {
    f.labels
        .iter()
        .filter_map(|l| {
            let src = l.source.as_ref()?;
            let lc = src.line_col(l.span.start);
            Some(Related {
                path: &src.name,
                line: lc.line,
                column: lc.column,
                message: &l.text,
            })
        })
        .collect()
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
        related: related(f),
    }
}

/// The inventory as `keyledger report` reads it back.
#[derive(Serialize)]
pub struct JsonInventory<'a> {
    pub path: &'a str,
    pub secrets: Vec<JsonSecret<'a>>,
    pub waivers: Vec<JsonWaiver<'a>>,
}

#[derive(Serialize)]
pub struct JsonSecret<'a> {
    pub name: &'a str,
    /// Line of its `name`.
    pub line: usize,
    pub owner: Option<&'a str>,
    pub blast_radius: Option<&'a str>,
    pub store: Option<JsonStore<'a>>,
    pub cadence: Option<String>,
    pub last_rotated: Option<String>,
    pub exposure: &'a str,
    pub rotate_with: Vec<&'a str>,
    pub runbook: Option<&'a str>,
}

#[derive(Serialize)]
pub struct JsonStore<'a> {
    pub kind: &'a str,
    #[serde(rename = "ref")]
    pub reference: Option<&'a str>,
}

#[derive(Serialize)]
pub struct JsonWaiver<'a> {
    pub line: usize,
    pub rule: &'a str,
    pub secret: Option<&'a str>,
    pub reason: &'a str,
    pub expires: String,
}

pub fn inventory(inv: &Inventory) -> JsonInventory<'_> {
    let line = |offset: usize| inv.source.line_col(offset).line;
    JsonInventory {
        path: &inv.source.name,
        secrets: inv
            .secrets
            .iter()
            .map(|s| JsonSecret {
                name: &s.name.value,
                line: line(s.name.span.start),
                owner: s.owner.as_ref().map(|o| o.value.as_str()),
                blast_radius: s.blast_radius.as_ref().map(|b| b.value.as_str()),
                store: s.store.as_ref().map(|x| JsonStore {
                    kind: &x.kind.value,
                    reference: x.reference.as_deref(),
                }),
                cadence: s.cadence.as_ref().map(|c| c.value.to_string()),
                last_rotated: s.last_rotated.as_ref().map(|d| d.value.to_string()),
                exposure: s.exposure.value.as_str(),
                rotate_with: s.rotate_with.iter().map(|r| r.value.as_str()).collect(),
                runbook: s.runbook.as_ref().map(|r| r.value.as_str()),
            })
            .collect(),
        waivers: inv
            .waivers
            .iter()
            .map(|w| JsonWaiver {
                line: line(w.span.start),
                rule: &w.rule.value,
                secret: w.secret.as_ref().map(|n| n.value.as_str()),
                reason: &w.reason,
                expires: w.expires.value.to_string(),
            })
            .collect(),
    }
}

pub fn render(out: &Outcome) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        version: u32,
        findings: Vec<JsonFinding<'a>>,
        summary: &'a crate::check::Summary,
        #[serde(skip_serializing_if = "Option::is_none")]
        inventory: Option<JsonInventory<'a>>,
    }
    let doc = Doc {
        version: 1,
        findings: out.findings.iter().map(finding).collect(),
        summary: &out.summary,
        inventory: out.inventory.as_ref().map(inventory),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
