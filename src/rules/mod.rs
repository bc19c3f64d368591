//! The rules. One file per rule, one line here to register it; the rule id,
//! the file name and the documentation line up (`rotation-overdue` ↔
//! `rotation_overdue.rs`). `keyledger explain` and the README's rule table
//! are generated from [`ALL`].

use std::path::Path;

use jiff::civil::Date;

use crate::config::Config;
use crate::finding::{Finding, Severity};
use crate::inventory::Inventory;

pub mod client_exposed_secret;
pub mod duplicate_secret;
pub mod hardcoded_secret;
pub mod last_rotated_in_future;
pub mod leaked_credential;
pub mod leaked_password_hash;
pub mod leaked_value;
pub mod missing_runbook;
pub mod never_rotated;
pub mod pii_in_log;
pub mod rotation_due_soon;
pub mod rotation_overdue;
pub mod schema;
pub mod stale_baseline;
pub mod undeclared_public;
pub mod undeclared_secret;
pub mod unknown_reference;
pub mod unused_secret;
pub mod unused_waiver;
pub mod waiver_expired;

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The inventory file and configuration.
    Inventory,
    /// Scanned file content.
    Content,
}

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    pub severity: Severity,
    pub scope: Scope,
    /// One line: what it finds.
    pub summary: &'static str,
    /// Markdown with the headings *What it does*, *Why it matters*,
    /// *Example* and *How to fix*.
    pub doc: &'static str,
}

/// Every rule, in the order of the README table.
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
    &leaked_credential::RULE,
    &leaked_password_hash::RULE,
    &hardcoded_secret::RULE,
    &client_exposed_secret::RULE,
    &undeclared_public::RULE,
    &undeclared_secret::RULE,
    &unused_secret::RULE,
    &pii_in_log::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// What inventory checks see.
pub struct Ctx<'a> {
    pub inventory: &'a Inventory,
    pub config: &'a Config,
    pub root: &'a Path,
    pub as_of: Date,
    /// Every rule and policy id keyledger knows, for `unknown-reference`.
    pub known_ids: &'a [String],
}

/// Runs the inventory rules that compare entries or check dates.
pub fn check_inventory(ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    duplicate_secret::check(ctx, &mut out);
    unknown_reference::check(ctx, &mut out);
    missing_runbook::check(ctx, &mut out);
    rotation_overdue::check(ctx, &mut out);
    rotation_due_soon::check(ctx, &mut out);
    never_rotated::check(ctx, &mut out);
    last_rotated_in_future::check(ctx, &mut out);
    out
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
