//! `keyledger evidence update`: proposes `last_rotated` edits from the
//! stores' dates as a unified diff of the inventory, for a person to review
//! and apply (`git apply`). keyledger never rewrites the inventory itself.
//!
//! Proposed: a `last_rotated` the store has moved past (beyond the
//! tolerance), and a missing `last_rotated` where the store has a date.
//! Not proposed, only listed: a claimed rotation the store never saw (the
//! fix may be to rotate, not to edit), and store dates after the as-of day.

use jiff::civil::Date;

use super::{Checked, escape};
use crate::diag::ErrorCode;
use crate::inventory::Inventory;
use crate::rotation::days_between;

/// One proposed change, for the summary on standard error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub secret: String,
    pub from: Option<Date>,
    pub to: Date,
    /// The store field the date comes from.
    pub field: &'static str,
}

#[derive(Debug, Clone, Default)]
pub struct Proposal {
    /// A unified diff; empty when nothing changes.
    pub diff: String,
    pub changes: Vec<Change>,
    /// Entries that need a person (a rotation the store never saw, a
    /// flow-style entry keyledger will not reflow).
    pub notes: Vec<String>,
}

impl Proposal {
    /// What `keyledger evidence update` says on standard error.
    pub fn summary_lines(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .changes
            .iter()
            .map(|c| match c.from {
                Some(f) => format!(
                    "{}: last_rotated {f} -> {} (store: {})",
                    escape(&c.secret),
                    c.to,
                    c.field
                ),
                None => format!(
                    "{}: last_rotated (none) -> {} (store: {})",
                    escape(&c.secret),
                    c.to,
                    c.field
                ),
            })
            .collect();
        v.extend(self.notes.iter().cloned());
        v.push(if self.changes.is_empty() {
            "no edits to propose: the inventory's dates agree with the evidence".to_string()
        } else {
            format!(
                "{} proposed; review the diff, then apply it with `git apply` (the inventory was not changed)",
                if self.changes.len() == 1 {
                    "1 edit".to_string()
                } else {
                    format!("{} edits", self.changes.len())
                }
            )
        });
        v
    }
}

/// Runs `keyledger evidence update`: loads the configuration, the
/// inventory and the exports, and proposes the edits.
pub fn run(opts: &crate::check::Options) -> Result<Proposal, crate::diag::Fatal> {
    let config = crate::check::load_config(opts)?;
    let (path, display) = crate::check::inventory_path(opts, &config)?;
    let inv = crate::inventory::load(&path, &display)?;
    let specs = super::specs(&opts.evidence, &opts.root, &config.evidence);
    if specs.is_empty() {
        return Err(crate::diag::Diag::plain(
            ErrorCode::Usage,
            "no evidence: name store exports with --evidence FILE or `evidence` in keyledger.toml",
        )
        .into());
    }
    let ev = super::load(&specs, &opts.root, config.source.as_ref())?;
    let checked = super::match_inventory(&inv, &ev, &config.evidence);
    let as_of = opts.as_of.unwrap_or_else(crate::check::today);
    Ok(propose(&inv, &checked, as_of))
}

/// A line-level edit of the original text.
struct LineEdit {
    /// 0-based line index in the original.
    at: usize,
    remove: usize,
    insert: Vec<String>,
}

pub fn propose(inv: &Inventory, c: &Checked<'_>, as_of: Date) -> Proposal {
    let src = &inv.source;
    let toml = src.name.ends_with(".toml");
    let lines: Vec<&str> = src.text.split_inclusive('\n').collect();
    let mut edits = Vec::new();
    let mut out = Proposal::default();
    let tol = c.settings.tolerance;
    for m in &c.matches {
        if m.items.is_empty() {
            continue;
        }
        let Some(s) = inv.secrets.get(m.secret) else {
            continue;
        };
        let Some(changed) = c.changed(m) else {
            continue;
        };
        let store_date = changed.date();
        let name = escape(&s.name.value);
        if store_date > as_of {
            out.notes.push(format!(
                "`{name}`: the store's date {store_date} is after the as-of date {as_of}; not proposed"
            ));
            continue;
        }
        match &s.last_rotated {
            Some(last) => {
                if let Some(latest) = c.latest(m)
                    && days_between(latest.date(), last.value) * 24 > tol.hours
                {
                    out.notes.push(format!(
                        "`{name}`: last_rotated {} is a rotation the store never saw (last change {}): rotate it, or correct the date by hand",
                        last.value,
                        latest.date()
                    ));
                    continue;
                }
                if days_between(last.value, store_date) * 24 <= tol.hours {
                    continue;
                }
                let lc = src.line_col(last.span.start);
                let li = lc.line - 1;
                let Some(line) = lines.get(li) else { continue };
                let start = src.offset_of(lc.line, 0);
                let (a, b) = (last.span.start - start, last.span.end - start);
                let (Some(pre), Some(post)) = (line.get(..a), line.get(b..)) else {
                    continue;
                };
                edits.push(LineEdit {
                    at: li,
                    remove: 1,
                    insert: vec![format!("{pre}{store_date}{post}")],
                });
                out.changes.push(Change {
                    secret: s.name.value.clone(),
                    from: Some(last.value),
                    to: store_date,
                    field: changed.field,
                });
            }
            None => {
                // Insert after the `name` line, at the column of `name`.
                let lc = src.line_col(s.name.span.start);
                let li = lc.line - 1;
                let Some(line) = lines.get(li) else { continue };
                let key_col = line.find("name").unwrap_or(0);
                let before = &line[..key_col];
                if before.contains('{') || !before.chars().all(|c| c == ' ' || c == '-') {
                    out.notes.push(format!(
                        "`{name}`: no last_rotated; the store says {store_date}, add it by hand (flow-style entry)"
                    ));
                    continue;
                }
                let ending = if line.ends_with("\r\n") { "\r\n" } else { "\n" };
                let text = if toml {
                    format!("{}last_rotated = {store_date}{ending}", " ".repeat(key_col))
                } else {
                    format!("{}last_rotated: {store_date}{ending}", " ".repeat(key_col))
                };
                edits.push(LineEdit {
                    at: li + 1,
                    remove: 0,
                    insert: vec![text],
                });
                out.changes.push(Change {
                    secret: s.name.value.clone(),
                    from: None,
                    to: store_date,
                    field: changed.field,
                });
            }
        }
    }
    edits.sort_by_key(|e| e.at);
    out.diff = unified(&src.name, &lines, &edits);
    out
}

/// A unified diff (three lines of context) of `edits` applied to `lines`.
fn unified(name: &str, lines: &[&str], edits: &[LineEdit]) -> String {
    if edits.is_empty() {
        return String::new();
    }
    const CTX: usize = 3;
    let mut groups: Vec<Vec<&LineEdit>> = Vec::new();
    for e in edits {
        match groups.last_mut() {
            Some(g) if g.last().is_some_and(|p| p.at + p.remove + 2 * CTX >= e.at) => g.push(e),
            _ => groups.push(vec![e]),
        }
    }
    let push_line = |out: &mut String, mark: char, l: &str| {
        out.push(mark);
        out.push_str(l.trim_end_matches('\n'));
        out.push('\n');
        if !l.ends_with('\n') {
            out.push_str("\\ No newline at end of file\n");
        }
    };
    let mut out = format!("--- a/{name}\n+++ b/{name}\n");
    let mut delta: isize = 0;
    for g in groups {
        let (Some(first), Some(last)) = (g.first(), g.last()) else {
            continue;
        };
        let start = first.at.saturating_sub(CTX);
        let end = (last.at + last.remove + CTX).min(lines.len());
        let old_len = end - start;
        let added: usize = g.iter().map(|e| e.insert.len()).sum();
        let removed: usize = g.iter().map(|e| e.remove).sum();
        let new_len = old_len + added - removed;
        let new_start = (start as isize + delta).max(0) as usize;
        out.push_str(&format!(
            "@@ -{},{old_len} +{},{new_len} @@\n",
            start + 1,
            new_start + 1
        ));
        let mut i = start;
        let mut k = 0;
        while i < end || (k < g.len() && g[k].at == i) {
            if k < g.len() && g[k].at == i {
                let e = g[k];
                for r in 0..e.remove {
                    if let Some(l) = lines.get(i + r) {
                        push_line(&mut out, '-', l);
                    }
                }
                for l in &e.insert {
                    push_line(&mut out, '+', l);
                }
                i += e.remove;
                k += 1;
                continue;
            }
            if let Some(l) = lines.get(i) {
                push_line(&mut out, ' ', l);
            }
            i += 1;
        }
        delta += added as isize - removed as isize;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_of_a_replacement_and_an_insertion() {
        let lines: Vec<&str> = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
            .split_inclusive('\n')
            .collect();
        let edits = [
            LineEdit {
                at: 1,
                remove: 1,
                insert: vec!["B\n".into()],
            },
            LineEdit {
                at: 10,
                remove: 0,
                insert: vec!["new\n".into()],
            },
        ];
        let d = unified("inv.yaml", &lines, &edits);
        assert_eq!(
            d,
            "--- a/inv.yaml\n+++ b/inv.yaml\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -8,4 +8,5 @@\n h\n i\n j\n+new\n k\n"
        );
    }
}
