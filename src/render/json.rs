//! JSON output, the shape of SPEC §5:
//! `{"version": 1, "findings": [...], "summary": {...}}`, plus
//! `"inventory"`: the checked inventory's names, owners, stores, cadences
//! and dates (never a value), so that `keyledger report` can merge the
//! outputs of many repositories.

use std::borrow::Cow;

use serde::Serialize;

use crate::check::Outcome;
use crate::finding::{Finding, Suppression};
use crate::inventory::Inventory;

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    pub rule: &'a str,
    pub severity: &'a str,
    pub message: std::borrow::Cow<'a, str>,
    pub path: Cow<'a, str>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub secret: Option<Cow<'a, str>>,
    pub commit: Option<&'a str>,
    pub fingerprint: String,
    /// Why it does not block: a waiver, the baseline or an inline allow.
    pub suppressed: Option<Suppression>,
    /// Locations in other files that explain it (the policy line that
    /// required what is missing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Related<'a>>,
}

#[derive(Serialize)]
pub struct Related<'a> {
    pub path: Cow<'a, str>,
    pub line: usize,
    pub column: usize,
    pub message: Cow<'a, str>,
}

/// A suppression with its repository-supplied text masked.
fn masked(s: &Suppression) -> Suppression {
    match s {
        Suppression::Waiver { reason, expires } => Suppression::Waiver {
            reason: crate::redact::secrets(reason).into_owned(),
            expires: crate::redact::secrets(expires).into_owned(),
        },
        other => other.clone(),
    }
}

/// The labels of `f` that point into other files.
pub fn related(f: &Finding) -> Vec<Related<'_>> {
    f.labels
        .iter()
        .filter_map(|l| {
            let src = l.source.as_ref()?;
            let lc = src.line_col(l.span.start);
            Some(Related {
                path: crate::redact::secrets(&src.name),
                line: lc.line,
                column: lc.column,
                message: crate::redact::secrets(&l.text),
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
        path: crate::redact::secrets(f.path()),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        secret: f.secret.as_deref().map(crate::redact::secrets),
        commit: f.commit.as_deref(),
        fingerprint: f.fingerprint(),
        suppressed: f.suppressed.as_ref().map(masked),
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
    pub name: Cow<'a, str>,
    /// Line of its `name`.
    pub line: usize,
    pub owner: Option<Cow<'a, str>>,
    pub blast_radius: Option<Cow<'a, str>>,
    pub store: Option<JsonStore<'a>>,
    pub cadence: Option<String>,
    pub last_rotated: Option<String>,
    pub exposure: &'a str,
    pub rotate_with: Vec<Cow<'a, str>>,
    pub runbook: Option<Cow<'a, str>>,
}

#[derive(Serialize)]
pub struct JsonStore<'a> {
    pub kind: Cow<'a, str>,
    #[serde(rename = "ref")]
    pub reference: Option<Cow<'a, str>>,
}

#[derive(Serialize)]
pub struct JsonWaiver<'a> {
    pub line: usize,
    pub rule: Cow<'a, str>,
    pub secret: Option<Cow<'a, str>>,
    pub reason: Cow<'a, str>,
    pub expires: String,
}

/// The inventory as `keyledger report` reads it back. Every string in it
/// comes from the repository: a value planted in an owner or a store ref
/// is masked like any other secret in any output.
pub fn inventory(inv: &Inventory) -> JsonInventory<'_> {
    fn r(s: &str) -> Cow<'_, str> {
        crate::redact::secrets(s)
    }
    let line = |offset: usize| inv.source.line_col(offset).line;
    JsonInventory {
        path: &inv.source.name,
        secrets: inv
            .secrets
            .iter()
            .map(|s| JsonSecret {
                name: r(&s.name.value),
                line: line(s.name.span.start),
                owner: s.owner.as_ref().map(|o| r(&o.value)),
                blast_radius: s
                    .blast_radius
                    .as_ref()
                    .map(|b| Cow::Borrowed(b.value.as_str())),
                store: s.store.as_ref().map(|x| JsonStore {
                    kind: r(&x.kind.value),
                    reference: x.reference.as_deref().map(r),
                }),
                cadence: s.cadence.as_ref().map(|c| c.value.to_string()),
                last_rotated: s.last_rotated.as_ref().map(|d| d.value.to_string()),
                exposure: s.exposure.value.as_str(),
                rotate_with: s.rotate_with.iter().map(|x| r(&x.value)).collect(),
                runbook: s.runbook.as_ref().map(|x| r(&x.value)),
            })
            .collect(),
        waivers: inv
            .waivers
            .iter()
            .map(|w| JsonWaiver {
                line: line(w.span.start),
                rule: r(&w.rule.value),
                secret: w.secret.as_ref().map(|n| r(&n.value)),
                reason: r(&w.reason),
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
