//! Human output: miette diagnostics with snippets, then a summary.

use miette::Severity as MSeverity;

use crate::check::Outcome;
use crate::diag::{self, Diag};
use crate::finding::{Finding, Severity, Suppression};
use crate::redact;

pub fn to_diag(f: &Finding) -> Diag {
    let mut d = Diag::at(
        &f.rule,
        f.message.clone(),
        &f.source,
        f.span,
        f.label.clone(),
    )
    .with_severity(match f.severity {
        Severity::Error => MSeverity::Error,
        Severity::Warning => MSeverity::Warning,
        Severity::Note => MSeverity::Advice,
    });
    d.labels.extend(f.labels.iter().cloned());
    if let Some(h) = &f.help {
        d = d.with_help(h.clone());
    }
    d
}

/// A repository path for a terminal: control characters escaped, and never
/// a line that a CI log would read as a workflow command (`::…`).
fn safe_path(p: &str) -> String {
    let p = redact::controls(p);
    match p.strip_prefix("::") {
        Some(rest) => format!("\\x3a:{rest}"),
        None => p.into_owned(),
    }
}

/// Findings shown with a snippet; the rest are listed one per line (a
/// 120,000-finding run prints in seconds, and every finding is still
/// listed).
pub const MAX_SNIPPETS: usize = 1000;

/// One line for a finding: `path:line:column: severity rule: message`.
fn compact(f: &Finding) -> String {
    let lc = f.source.line_col(f.span.start);
    format!(
        "{}:{}:{}: {} {}: {}\n",
        safe_path(f.path()),
        lc.line,
        lc.column,
        f.severity,
        f.rule,
        redact::display(&f.message)
    )
}

pub fn render(out: &Outcome, color: bool, verbose: bool) -> String {
    let unsuppressed: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let split = unsuppressed.len().min(MAX_SNIPPETS);
    let shown: Vec<Diag> = unsuppressed[..split].iter().map(|f| to_diag(f)).collect();
    let mut s = diag::render(&shown, color);
    if unsuppressed.len() > split {
        s.push_str(&format!(
            "{} more findings, without snippets (`--format json` has every detail):\n",
            unsuppressed.len() - split
        ));
        for f in &unsuppressed[split..] {
            s.push_str(&compact(f));
        }
    }
    let waived: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| matches!(f.suppressed, Some(Suppression::Waiver { .. })))
        .collect();
    if !waived.is_empty() {
        s.push_str(&format!("waived ({}):\n", waived.len()));
        for f in waived {
            if let Some(Suppression::Waiver { reason, expires }) = &f.suppressed {
                let lc = f.source.line_col(f.span.start);
                s.push_str(&format!(
                    "  {}:{}:{} {} {} until {}: {}\n",
                    safe_path(f.path()),
                    lc.line,
                    lc.column,
                    f.rule,
                    redact::display(f.secret.as_deref().unwrap_or("-")),
                    redact::display(expires),
                    redact::display(reason),
                ));
            }
        }
        s.push('\n');
    }
    if verbose {
        for f in out.findings.iter().filter(|f| {
            matches!(
                f.suppressed,
                Some(Suppression::Baseline | Suppression::Inline)
            )
        }) {
            let lc = f.source.line_col(f.span.start);
            s.push_str(&format!(
                "suppressed: {}:{}:{} {}\n",
                safe_path(f.path()),
                lc.line,
                lc.column,
                f.rule
            ));
        }
    }
    let sm = &out.summary;
    if let Some(scan) = &sm.scan {
        if let Some(mut line) = scan.summary("scanned") {
            if !verbose && !scan.skipped.is_empty() {
                line.push_str("; --verbose lists them");
            }
            s.push_str(&line);
            s.push('\n');
        }
        if verbose {
            for (why, paths) in &scan.skipped {
                for p in paths {
                    s.push_str(&format!("skipped ({why}): {}\n", safe_path(p)));
                }
            }
        }
    }
    let mark = if sm.blocking > 0 { "✖" } else { "✔" };
    let mut extra = Vec::new();
    if sm.waived > 0 {
        extra.push(format!("{} waived", sm.waived));
    }
    if sm.baselined > 0 {
        extra.push(format!("{} in baseline", sm.baselined));
    }
    if sm.inline_allowed > 0 {
        extra.push(format!("{} allowed inline", sm.inline_allowed));
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(" ({})", extra.join(", "))
    };
    s.push_str(&format!(
        "{mark} {} {}, {} {}, {} {}{extra}: {} secrets, {} policies, as of {}\n",
        sm.errors,
        if sm.errors == 1 { "error" } else { "errors" },
        sm.warnings,
        if sm.warnings == 1 {
            "warning"
        } else {
            "warnings"
        },
        sm.notes,
        if sm.notes == 1 { "note" } else { "notes" },
        sm.secrets,
        sm.policies,
        sm.as_of,
    ));
    s
}
