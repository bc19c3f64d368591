//! Human output: miette diagnostics with snippets, then a summary.

use miette::Severity as MSeverity;

use crate::check::Outcome;
use crate::diag::{self, Diag};
use crate::finding::{Finding, Severity, Suppression};

/// A finding as a diagnostic, then one per location it has in another file
/// (the policy line that required what is missing).
pub fn to_diags(f: &Finding) -> Vec<Diag> {
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
    let mut related = Vec::new();
    for l in &f.labels {
        match &l.source {
            None => d.labels.push((l.span, l.text.clone())),
            Some(src) => related.push(
                Diag::at(&f.rule, l.text.clone(), src, l.span, "").with_severity(MSeverity::Advice),
            ),
        }
    }
    if let Some(h) = &f.help {
        d = d.with_help(h.clone());
    }
    related.insert(0, d);
    related
}

pub fn render(out: &Outcome, color: bool, verbose: bool) -> String {
    let shown: Vec<Diag> = out
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .flat_map(to_diags)
        .collect();
    let mut s = diag::render(&shown, color);
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
                    "  {}:{}:{} {} {} until {expires}: {reason}\n",
                    f.path(),
                    lc.line,
                    lc.column,
                    f.rule,
                    f.secret.as_deref().unwrap_or("-"),
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
                f.path(),
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
                    s.push_str(&format!("skipped ({why}): {p}\n"));
                }
            }
        }
    }
    // Which PII list was used, when it matters: it found something.
    let pii_found = out
        .findings
        .iter()
        .any(|f| f.rule == crate::rules::pii_in_log::RULE.id && f.suppressed.is_none());
    if sm.pii_fields == Some("default") && (pii_found || verbose) {
        s.push_str(&format!(
            "pii-in-log used the default PII field list ({} fields: email, phone, names, date of birth, address, national ids, IP address, card number); a `pii:` section in the inventory chooses its own\n",
            crate::rules::pii_in_log::DEFAULT_FIELDS.len()
        ));
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
