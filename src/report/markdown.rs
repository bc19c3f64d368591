//! Markdown (GitHub-flavoured tables): something to paste into a ticket.
//! Text from the inventory is escaped so it cannot break a table or inject
//! markup.

use super::model::{NotListed, Report, Row, RowStatus, inventories};
use crate::rotation::plural;

/// Escapes text for a table cell: Markdown punctuation is backslashed and
/// line breaks become spaces.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            // ANSI escapes, bidi overrides and other controls from a
            // repository are written as escapes, never passed through.
            c if crate::redact::is_unsafe(c) => crate::redact::push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// Text as a code span (names, paths, store references, and the check
/// summary's code spans); text holding a
/// backtick or a line break is escaped instead. A `|` is escaped in both,
/// as GitHub tables require.
pub fn code(s: &str) -> String {
    // Secrets masked, control characters (an ANSI escape in a file name)
    // written as escapes: a code span shows them verbatim otherwise.
    let s = &crate::redact::display(s);
    if !s.trim().is_empty() && !s.contains(['`', '\n', '\r']) {
        format!("`{}`", s.replace('|', "\\|"))
    } else {
        text(s)
    }
}

/// A runbook: an https URL becomes an autolink, a path stays text.
fn runbook(s: &str) -> String {
    let url_ok = |c: char| {
        !c.is_whitespace()
            && !crate::redact::is_unsafe(c)
            && !matches!(c, '<' | '>' | '|' | '`' | '"')
    };
    if s.starts_with("https://") && s.chars().all(url_ok) {
        format!("<{s}>")
    } else {
        code(s)
    }
}

fn status_cell(r: &Row, report: &Report) -> String {
    let mut s = if r.status == RowStatus::Due {
        r.status.label().to_string()
    } else {
        format!("**{}**", r.status.label())
    };
    // Say "before the period" only where the period reaches back before
    // the as-of date (a quarter), where it tells two kinds of overdue apart.
    if r.in_period == Some(false) && report.period.start < report.as_of {
        s.push_str(" (before the period)");
    }
    if r.waived() {
        s.push_str(", waived");
    }
    s
}

fn waiver_cell(r: &Row) -> String {
    match &r.waiver {
        Some(w) if w.active => format!(
            "waived until {} (`{}`): {}",
            w.expires,
            w.rule,
            text(&w.reason)
        ),
        Some(w) => format!(
            "waiver expired {} (`{}`): {}",
            w.expires,
            w.rule,
            text(&w.reason)
        ),
        None => String::new(),
    }
}

fn store_cell(r: &Row) -> String {
    match (&r.store_kind, &r.store_ref) {
        (Some(k), Some(x)) => format!("{} {}", text(k), code(x)),
        (Some(k), None) => text(k),
        _ => String::new(),
    }
}

fn row_cells(r: &Row, report: &Report) -> Vec<String> {
    let mut cells = Vec::new();
    if report.multi() {
        cells.push(text(&r.repository));
    }
    cells.extend([
        code(&r.name),
        status_cell(r, report),
        r.blast_radius.map_or(String::new(), |b| b.as_str().into()),
        r.due.map_or(String::new(), |d| d.to_string()),
        r.days_text(),
        r.last_rotated.map_or("never".into(), |d| d.to_string()),
        r.cadence.as_deref().map(text).unwrap_or_default(),
        store_cell(r),
        r.rotate_with
            .iter()
            .map(|n| code(n))
            .collect::<Vec<_>>()
            .join(", "),
        r.runbook.as_deref().map(runbook).unwrap_or_default(),
        waiver_cell(r),
    ]);
    if report.evidence {
        cells.push(
            r.evidence
                .as_ref()
                .map_or_else(|| "unverified".to_string(), |e| text(&e.cell())),
        );
    }
    cells
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    out.push_str(&format!(
        "|{}\n",
        header.iter().map(|_| " --- |").collect::<String>()
    ));
    for r in rows {
        out.push_str(&format!("| {} |\n", r.join(" | ")));
    }
}

/// "13 secrets in 1 inventory: demo (`secrets-inventory.yaml`, 13 secrets)".
pub fn sources_line(report: &Report) -> String {
    let total = report.summary.secrets;
    let srcs: Vec<String> = report
        .sources
        .iter()
        .map(|s| {
            format!(
                "{} ({}, {})",
                text(&s.repository),
                s.inventory.as_deref().map_or("no inventory".into(), code),
                plural(s.secrets as i64, "secret")
            )
        })
        .collect();
    format!(
        "{} in {}: {}",
        plural(total as i64, "secret"),
        inventories(report.sources.len()),
        srcs.join(", ")
    )
}

pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let p = &report.period;
    let mut out = String::new();
    out.push_str(&format!(
        "# Secret rotation report: {}\n\n",
        text(&p.label())
    ));
    out.push_str(&format!(
        "Period **{}** to **{}**{}, as of **{}**. {}.",
        p.start,
        p.end,
        p.quarter
            .as_ref()
            .map(|q| format!(" ({q})"))
            .unwrap_or_default(),
        report.as_of,
        sources_line(report)
    ));
    if !report.owners.is_empty() {
        out.push_str(&format!(
            " Owners: {}.",
            report
                .owners
                .iter()
                .map(|o| text(o))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.push_str("\n\n## Summary\n\n");
    out.push_str(&if s.blocking > 0 {
        format!(
            "**{} overdue and not waived** on {} (`--fail-on overdue` exits 1).\n\n",
            plural(s.blocking as i64, "secret"),
            report.as_of
        )
    } else {
        format!("Nothing is overdue and unwaived on {}.\n\n", report.as_of)
    });
    let mut counts = vec![
        vec![
            format!("Overdue on {}", report.as_of),
            s.overdue.to_string(),
        ],
        vec![
            format!("Due by {} (not yet overdue)", p.end),
            s.due.to_string(),
        ],
        vec!["Never rotated".into(), s.never_rotated.to_string()],
        vec!["Waived (listed, not blocking)".into(), s.waived.to_string()],
    ];
    // Only a period reaching back before the as-of date (a quarter) tells
    // these apart from the rows above.
    if p.start < report.as_of {
        counts.push(vec![
            format!("Falling due within {}", text(&p.label())),
            s.due_in_period.to_string(),
        ]);
        counts.push(vec![
            format!("Already overdue before {}", p.start),
            s.carried_over.to_string(),
        ]);
    }
    counts.push(vec![
        "Waivers expiring in the period".into(),
        s.waivers_expiring.to_string(),
    ]);
    table(&mut out, &["", "secrets"], &counts);
    out.push('\n');
    let radius_rows: Vec<Vec<String>> = s
        .by_blast_radius
        .iter()
        .map(|(b, c)| {
            vec![
                b.map_or("unset", |b| b.as_str()).to_string(),
                c.overdue.to_string(),
                c.due.to_string(),
                c.never_rotated.to_string(),
                c.waived.to_string(),
            ]
        })
        .collect();
    table(
        &mut out,
        &["blast radius", "overdue", "due", "never rotated", "waived"],
        &radius_rows,
    );
    out.push_str(&format!("\n{}\n", not_listed(report)));

    out.push_str("\n## Secrets by owner\n\n");
    if report.rows.is_empty() {
        out.push_str("No secret is overdue, due in the period or never rotated.\n");
    }
    let mut header = Vec::new();
    if report.multi() {
        header.push("repository");
    }
    header.extend([
        "secret",
        "status",
        "blast radius",
        "due",
        "days",
        "last rotated",
        "cadence",
        "store",
        "rotate with",
        "runbook",
        "waiver",
    ]);
    if report.evidence {
        header.push("store date");
    }
    for (owner, rows) in report.by_owner() {
        out.push_str(&format!("### {}\n\n", text(owner)));
        let cells: Vec<Vec<String>> = rows.iter().map(|r| row_cells(r, report)).collect();
        table(&mut out, &header, &cells);
        out.push('\n');
    }

    out.push_str("## Waivers expiring in the period\n\n");
    if report.waivers_expiring.is_empty() {
        out.push_str(&format!(
            "No waiver expires between {} and {}.\n",
            p.start, p.end
        ));
    } else {
        let mut header = Vec::new();
        if report.multi() {
            header.push("repository");
        }
        header.extend(["expires", "rule", "secret", "owner", "reason"]);
        let cells: Vec<Vec<String>> = report
            .waivers_expiring
            .iter()
            .map(|w| {
                let mut c = Vec::new();
                if report.multi() {
                    c.push(text(&w.repository));
                }
                c.extend([
                    w.expiry_text(),
                    format!("`{}`", text(&w.rule).replace('`', "")),
                    w.secret.as_deref().map_or("(all secrets)".into(), code),
                    w.owner.as_deref().map(text).unwrap_or_default(),
                    text(&w.reason),
                ]);
                c
            })
            .collect();
        table(&mut out, &header, &cells);
    }
    if !report.others.is_empty() {
        out.push_str("\n## Not due in the period\n\n");
        let mut header = Vec::new();
        if report.multi() {
            header.push("repository");
        }
        header.extend([
            "secret",
            "owner",
            "blast radius",
            "cadence",
            "last rotated",
            "next",
        ]);
        let cells: Vec<Vec<String>> = report
            .others
            .iter()
            .map(|o| {
                let mut c = Vec::new();
                if report.multi() {
                    c.push(text(&o.repository));
                }
                c.extend([
                    code(&o.name),
                    o.owner.as_deref().map(text).unwrap_or_default(),
                    o.blast_radius.map_or(String::new(), |b| b.as_str().into()),
                    o.cadence.as_deref().map(text).unwrap_or_default(),
                    o.last_rotated.map_or("never".into(), |d| d.to_string()),
                    text(&o.reason.describe(o.due)),
                ]);
                c
            })
            .collect();
        table(&mut out, &header, &cells);
    }
    checks(&mut out, report);
    out
}

/// The sentence about what the report leaves out.
pub fn not_listed(report: &Report) -> String {
    let parts: Vec<String> = report
        .summary
        .not_listed()
        .into_iter()
        .map(|(why, n)| {
            let n = plural(n as i64, "secret");
            match why {
                NotListed::Later => format!("{n} due after {}", report.period.end),
                NotListed::OnCompromise => format!("{n} rotated only on compromise"),
                NotListed::NoCadence => format!("{n} without a cadence"),
                NotListed::LastRotatedInFuture => format!(
                    "{n} with `last_rotated` after {} (run `keyledger check`)",
                    report.as_of
                ),
            }
        })
        .collect();
    format!(
        "Not listed (not due by date in the period): {}.",
        parts.join(", ")
    )
}

/// The check results merged from `keyledger check --format json` outputs.
fn checks(out: &mut String, report: &Report) {
    if report.checks.is_empty() {
        return;
    }
    let blocked = report.checks.iter().filter(|c| c.blocking > 0).count();
    out.push_str("\n## Check results by repository\n\n");
    out.push_str(&format!(
        "{} checked; {} with blocking findings (as each check run saw them).\n\n",
        match report.checks.len() {
            1 => "1 repository".to_string(),
            n => format!("{n} repositories"),
        },
        blocked
    ));
    let cells: Vec<Vec<String>> = report
        .checks
        .iter()
        .map(|c| {
            vec![
                text(&c.repository),
                text(&c.as_of),
                if c.blocking > 0 {
                    format!("**{}**", c.blocking)
                } else {
                    "0".into()
                },
                c.errors.to_string(),
                c.warnings.to_string(),
                c.notes.to_string(),
                c.suppressed.to_string(),
                c.by_rule
                    .iter()
                    .take(3)
                    .map(|(rule, n)| format!("{} {n}", code(rule)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    table(
        out,
        &[
            "repository",
            "as of",
            "blocking",
            "errors",
            "warnings",
            "notes",
            "suppressed",
            "most frequent",
        ],
        &cells,
    );
}
