//! The rules. One file per rule, one line in [`ALL`] to register it; the
//! rule id, the file name and the documentation line up (`rotation-overdue`
//! ↔ `rotation_overdue.rs`). Each file holds the rule's id, default
//! severity, kind ([`Kind`]), documentation, messages and check function.
//! The registry runs them: [`check_inventory`] runs the inventory rules,
//! [`content_checks`] builds the content rules the scan engine runs on every
//! file, and every finding goes through the one [`Sink`], which applies the
//! `[rules]` overrides. `keyledger explain` and the README's rule table are
//! generated from [`ALL`].

use std::collections::HashMap;
use std::path::Path;

use jiff::civil::Date;

use crate::config::Config;
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::finding::{Finding, Severity};
use crate::inventory::Inventory;
use crate::scan::{File, Hit};

pub mod client_exposed_secret;
pub mod duplicate_secret;
pub mod hardcoded_secret;
pub mod last_rotated_in_future;
pub mod leaked_credential;
pub mod leaked_password_hash;
pub mod leaked_value;
pub mod missing_from_store;
pub mod missing_runbook;
pub mod never_rotated;
pub mod pii_in_log;
pub mod rotation_due_soon;
pub mod rotation_evidence_mismatch;
pub mod rotation_not_automated;
pub mod rotation_overdue;
pub mod schema;
pub mod stale_baseline;
pub mod stale_key_version_enabled;
pub mod stale_schema;
pub mod undeclared_in_store;
pub mod undeclared_public;
pub mod undeclared_secret;
pub mod unknown_reference;
pub mod unused_secret;
pub mod unused_waiver;
pub mod waiver_expired;

/// When a rule runs, and with what.
pub enum Kind {
    /// Reported while an input loads (`schema`). A file that fails it
    /// cannot be checked, so it stops the run (exit 2); it cannot be
    /// turned off or re-graded.
    Loading,
    /// Runs once over the loaded inventory.
    Inventory(fn(&Ctx<'_>, &mut Vec<Finding>)),
    /// Runs on every scanned file, inside the scan's single pass. The
    /// function builds the rule's per-run state from the inventory and the
    /// configuration; [`ContentCheck::check`] then sees each file.
    Content(fn(&Setup<'_>) -> Result<Box<dyn ContentCheck>, Fatal>),
    /// Runs once at the end of the stage that gathers what it needs, over
    /// everything that stage saw: `unused-secret` after a tree scan,
    /// `unused-waiver` in the waiver stage, `stale-baseline` in the
    /// baseline stage. The stage calls the rule's `check`.
    EndOfRun,
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Loading => "loading",
            Kind::Inventory(_) => "inventory",
            Kind::Content(_) => "content",
            Kind::EndOfRun => "end-of-run",
        }
    }
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A rule: its identity, documentation and check.
#[derive(Debug)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    pub severity: Severity,
    /// Runs unless `[rules]` turns it off; a rule off by default runs
    /// only when `[rules]` gives it a severity.
    pub default_on: bool,
    pub kind: Kind,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Markdown with the headings *What it does*, *Why it matters*,
    /// *Example* and *How to fix*.
    pub doc: &'static str,
}

impl Rule {
    pub fn is_content(&self) -> bool {
        matches!(self.kind, Kind::Content(_))
    }
}

/// Every rule, in the order of the README table. Content rules also run in
/// this order: a value found by an earlier one (an inventoried value, an
/// inventoried name's literal) is not reported again by a later one (a
/// credential detector).
pub const ALL: &[&Rule] = &[
    &schema::RULE,
    &duplicate_secret::RULE,
    &unknown_reference::RULE,
    &missing_runbook::RULE,
    &rotation_overdue::RULE,
    &rotation_due_soon::RULE,
    &never_rotated::RULE,
    &last_rotated_in_future::RULE,
    &waiver_expired::RULE,
    &unused_waiver::RULE,
    &stale_baseline::RULE,
    &leaked_value::RULE,
    &hardcoded_secret::RULE,
    &leaked_credential::RULE,
    &leaked_password_hash::RULE,
    &client_exposed_secret::RULE,
    &undeclared_public::RULE,
    &undeclared_secret::RULE,
    &unused_secret::RULE,
    &pii_in_log::RULE,
    &rotation_evidence_mismatch::RULE,
    &missing_from_store::RULE,
    &undeclared_in_store::RULE,
    &stale_key_version_enabled::RULE,
    &rotation_not_automated::RULE,
    &stale_schema::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// What inventory rules see.
pub struct Ctx<'a> {
    pub inventory: &'a Inventory,
    pub config: &'a Config,
    pub root: &'a Path,
    pub as_of: Date,
    /// Every rule and policy id keyledger knows, for `unknown-reference`.
    pub known_ids: &'a [String],
    /// What the store exports say of the inventory, when evidence was
    /// given (`--evidence`, `evidence` in the config).
    pub evidence: Option<&'a crate::evidence::Checked<'a>>,
}

/// What content rules are built from, once per run.
pub struct Setup<'a> {
    pub inventory: Option<&'a Inventory>,
    pub config: &'a Config,
    pub root: &'a Path,
    /// Which rules are on (rules that share a pass ask about each other).
    pub sink: &'a Sink,
}

/// A content rule's per-run state; `check` sees every scanned file (from
/// several threads) and pushes what it finds. Findings of a file are
/// built from the hits by the scan engine, which masks their values.
pub trait ContentCheck: Send + Sync {
    fn check(&self, file: &File<'_>, out: &mut Vec<Hit>);
    /// Whether the check can find anything in a lock file (package names
    /// and hashes); lock files are not handed to checks that cannot.
    fn reads_lock_files(&self) -> bool {
        false
    }
    /// Adds to the scanner's identity whatever per-run state decides this
    /// check's hits (the `--history` cache is keyed by it), beyond the
    /// configuration and the inventory's names, exposures and fingerprints.
    fn identity(&self, _hasher: &mut blake3::Hasher) {}
}

/// Enabled content rules with their per-run state, in registry order.
pub type ContentChecks = Vec<(&'static Rule, Box<dyn ContentCheck>)>;

/// Builds the enabled content rules, in registry order.
pub fn content_checks(setup: &Setup<'_>) -> Result<ContentChecks, Fatal> {
    let sink = setup.sink;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for r in ALL {
        if let Kind::Content(new) = r.kind
            && sink.enabled(r.id)
        {
            match new(setup) {
                Ok(c) => out.push((*r, c)),
                Err(Fatal(e)) => errors.extend(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Fatal(errors))
    }
}

/// Runs every enabled inventory rule into the sink.
pub fn check_inventory(ctx: &Ctx<'_>, sink: &mut Sink) {
    for r in ALL {
        if let Kind::Inventory(check) = r.kind
            && sink.enabled(r.id)
        {
            let mut out = Vec::new();
            check(ctx, &mut out);
            sink.extend(out);
        }
    }
}

/// Refuses `[rules]` entries that name no rule or policy, and entries that
/// re-grade a loading rule.
pub fn check_overrides(config: &Config, ids: &[String]) -> Result<(), Fatal> {
    let mut errors = Vec::new();
    for (id, s) in &config.rules {
        let (msg, label, help) = if let Some(r) =
            find(id).filter(|r| matches!(r.kind, Kind::Loading))
        {
            (
                format!(
                    "rule `{}` cannot be re-graded or turned off in [rules]",
                    r.id
                ),
                "not configurable",
                "a file that fails its schema cannot be checked at all; fix the file".to_string(),
            )
        } else if ids.iter().any(|k| k == id) {
            continue;
        } else {
            (
                format!("unknown rule `{id}` in [rules]"),
                "unknown rule",
                crate::schema::did_you_mean(id, ids.iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?"))
                    .unwrap_or_else(|| "`keyledger explain --list` lists the rule ids".into()),
            )
        };
        errors.push(match &config.source {
            Some(src) => Diag::at(ErrorCode::Config, msg, src, s.span, label).with_help(help),
            None => Diag::plain(ErrorCode::Config, msg).with_help(help),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Fatal(errors))
    }
}

/// The one place where findings enter a run: it applies the `[rules]`
/// severity overrides (for rules and policies alike), drops the findings of
/// rules turned off, and lowers content findings in test and example paths
/// to `note`. Runners ask [`Sink::enabled`] first, so a rule turned off is
/// not run at all.
pub struct Sink {
    overrides: HashMap<String, Option<Severity>>,
    test_paths: globset::GlobSet,
    findings: Vec<Finding>,
}

impl Sink {
    pub fn new(config: &Config) -> Sink {
        let mut b = globset::GlobSetBuilder::new();
        for g in &config.scan.test_paths {
            // Validated when the configuration was loaded.
            if let Ok(g) = globset::Glob::new(g) {
                b.add(g);
            }
        }
        Sink {
            overrides: config
                .rules
                .iter()
                .map(|(k, v)| (k.clone(), v.value))
                .collect(),
            test_paths: b.build().unwrap_or_else(|_| globset::GlobSet::empty()),
            findings: Vec::new(),
        }
    }

    /// Whether the rule or policy `id` runs: `[rules]` says so, else the
    /// rule's default (policies are on).
    pub fn enabled(&self, id: &str) -> bool {
        match self.overrides.get(id) {
            Some(level) => level.is_some(),
            None => find(id).is_none_or(|r| r.default_on),
        }
    }

    /// Takes a finding: the override of its rule (or policy) replaces the
    /// severity the rule gave it; a finding the rule itself lowered (weak
    /// evidence) keeps its lower severity when the override is higher.
    pub fn emit(&mut self, mut f: Finding) {
        let rule = find(&f.rule);
        match self.overrides.get(&f.rule) {
            Some(None) => return,
            Some(Some(level)) => {
                let lowered = rule.is_some_and(|r| f.severity < r.severity);
                f.severity = if lowered {
                    f.severity.min(*level)
                } else {
                    *level
                };
            }
            None => {}
        }
        if rule.is_some_and(Rule::is_content)
            && f.severity > Severity::Note
            && self.test_paths.is_match(f.path())
        {
            f.severity = Severity::Note;
            f.message.push_str(" [test or example path]");
        }
        self.findings.push(f);
    }

    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for f in findings {
            self.emit(f);
        }
    }

    /// The findings so far, for stages that mark them (waivers, baseline).
    pub fn findings_mut(&mut self) -> &mut [Finding] {
        &mut self.findings
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// The README's rule table.
pub fn markdown_table() -> String {
    let mut s = String::from("| rule | default severity | what it finds |\n| --- | --- | --- |\n");
    for r in ALL {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            r.id, r.severity, r.summary
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in ALL {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            assert!(
                r.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{} is not kebab-case",
                r.id
            );
        }
    }

    #[test]
    fn every_rule_is_documented_with_the_fixed_headings() {
        for r in ALL {
            for h in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## How to fix",
            ] {
                assert!(r.doc.contains(h), "{} lacks {h}", r.id);
            }
            assert!(!r.summary.is_empty());
        }
    }
}
