//! Human output: miette diagnostics with snippets, then a summary.

use miette::Severity as MSeverity;

use crate::check::Outcome;
use crate::diag::{self, Code, Diag};
use crate::finding::{Finding, Severity, Suppression};
use crate::redact;

/// A finding as a diagnostic, then one per location it has in another file
/// (the policy line that required what is missing).
pub fn to_diags(f: &Finding) -> Vec<Diag> {
    let mut d = Diag::at(
        Code::Rule(f.rule.clone()),
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
                Diag::at(Code::Rule(f.rule.clone()), l.text.clone(), src, l.span, "")
                    .with_severity(MSeverity::Advice),
            ),
        }
    }
    if let Some(h) = &f.help {
        d = d.with_help(h.clone());
    }
    related.insert(0, d);
    related
}

/// A repository path for a terminal: control characters escaped, and never
/// a line that a CI log would read as a workflow command (`::…`).
fn safe_path(p: &str) -> String {
    let p = redact::display(p);
    match p.strip_prefix("::") {
        Some(rest) => format!("\\x3a:{rest}"),
        None => p,
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

/// How to render for a person.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub color: bool,
    /// Every finding in full, suppressed ones and skipped files listed.
    pub verbose: bool,
    /// Notes too (weak evidence, test and example values).
    pub show_notes: bool,
    /// The first-adoption overview instead of the findings.
    pub first_run: bool,
}

/// When a rule has more than [`GROUP_OVER`] findings, those beyond the
/// first [`GROUP_AFTER`] are listed one per line (or as a list of secret
/// names) instead of in full, unless `--verbose`.
pub const GROUP_AFTER: usize = 3;
pub const GROUP_OVER: usize = 5;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The lines that stand for a rule's findings past the first few: the
/// secret names when they are all about inventory entries of one file,
/// else one line per finding.
fn group_lines(rule: &str, shown: usize, rest: &[&Finding]) -> String {
    let total = shown + rest.len();
    let same_file = rest.iter().all(|f| f.path() == rest[0].path());
    let names: Option<Vec<&str>> = rest.iter().map(|f| f.secret.as_deref()).collect();
    let mut s = String::new();
    match names {
        Some(names) if same_file => {
            s.push_str(&format!(
                "{rule}: {} in {} ({shown} shown above); also:\n ",
                plural(total, "secret", "secrets"),
                safe_path(rest[0].path())
            ));
            let mut width = 1;
            for n in names {
                if width + n.len() + 2 > 100 {
                    s.push_str("\n ");
                    width = 1;
                }
                s.push(' ');
                s.push_str(&redact::display(n));
                width += n.len() + 1;
            }
            s.push('\n');
        }
        _ => {
            s.push_str(&format!(
                "{rule}: {} ({shown} shown above); also:\n",
                plural(total, "finding", "findings")
            ));
            for f in rest {
                let lc = f.source.line_col(f.span.start);
                s.push_str(&format!(
                    "  {}:{}:{}  {}\n",
                    safe_path(f.path()),
                    lc.line,
                    lc.column,
                    redact::display(&f.message)
                ));
            }
        }
    }
    s
}

/// Whether a finding is shown (unsuppressed; notes only when asked for).
fn visible(f: &Finding, o: &Options) -> bool {
    f.suppressed.is_none() && (o.show_notes || f.severity > Severity::Note)
}

pub fn render(out: &Outcome, o: &Options) -> String {
    let (color, verbose) = (o.color, o.verbose);
    let mut per_rule: std::collections::BTreeMap<&str, Vec<&Finding>> = Default::default();
    let mut full: Vec<&Finding> = Vec::new();
    for f in out.findings.iter().filter(|f| visible(f, o)) {
        per_rule.entry(f.rule.as_str()).or_default().push(f);
    }
    for f in out.findings.iter().filter(|f| visible(f, o)) {
        let of_rule = &per_rule[f.rule.as_str()];
        if verbose
            || of_rule.len() <= GROUP_OVER
            || of_rule[..GROUP_AFTER].iter().any(|g| std::ptr::eq(*g, f))
        {
            full.push(f);
        }
    }
    // Past MAX_SNIPPETS, findings are listed one per line (a
    // 120,000-finding run prints in seconds, and every finding is listed).
    let split = full.len().min(MAX_SNIPPETS);
    let shown: Vec<Diag> = full[..split].iter().flat_map(|f| to_diags(f)).collect();
    let mut s = diag::render(&shown, color);
    if full.len() > split {
        s.push_str(&format!(
            "{} more findings, without snippets (`--format json` has every detail):\n",
            full.len() - split
        ));
        for f in &full[split..] {
            s.push_str(&compact(f));
        }
    }
    if !verbose {
        for (rule, fs) in &per_rule {
            if fs.len() > GROUP_OVER {
                s.push_str(&group_lines(rule, GROUP_AFTER, &fs[GROUP_AFTER..]));
                s.push('\n');
            }
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
    let hidden = out
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && f.severity == Severity::Note)
        .count();
    if hidden > 0 && !o.show_notes {
        s.push_str(&format!(
            "{} not shown (weak evidence, test or example values); --show-notes shows them\n",
            plural(hidden, "note", "notes")
        ));
    }
    if let Some(ev) = &sm.evidence {
        s.push_str(&ev.line());
        s.push('\n');
    }
    // An incomplete history scan is never a clean pass.
    let mark = if sm.blocking > 0 || out.incomplete() {
        "✖"
    } else {
        "✔"
    };
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

/// How urgent a blocking finding is, for `--first-run`'s list: credentials
/// in the repository first, then exposure, rotations and waivers, then
/// inventory consistency, then policies.
fn urgency(rule: &str) -> u8 {
    match rule {
        "leaked-value" => 0,
        "leaked-credential" => 1,
        "hardcoded-secret" => 2,
        "client-exposed-secret" => 3,
        "rotation-overdue" | "waiver-expired" | "last-rotated-in-future" => 4,
        r if crate::rules::find(r).is_some() => 5,
        _ => 6,
    }
}

/// `check --first-run`: what adopting keyledger on this repository means,
/// in one screen: findings by rule and by file with counts, then the ten
/// blocking findings to act on first (at most three of one rule).
pub fn first_run(out: &Outcome) -> String {
    use std::collections::BTreeMap;
    let live: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let blocks = |f: &Finding| f.blocks(out.fail_on);
    let mut by_rule: BTreeMap<&str, (Severity, usize, usize)> = BTreeMap::new();
    let mut by_file: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in &live {
        let r = by_rule.entry(&f.rule).or_insert((f.severity, 0, 0));
        r.0 = r.0.max(f.severity);
        r.1 += 1;
        r.2 += usize::from(blocks(f));
        let p = by_file.entry(f.path()).or_default();
        p.0 += 1;
        p.1 += usize::from(blocks(f));
    }
    let blocking = live.iter().filter(|f| blocks(f)).count();
    let mut s = format!(
        "keyledger first run: {} ({} blocking) in {}, as of {}\n\n",
        plural(live.len(), "finding", "findings"),
        blocking,
        plural(by_file.len(), "file", "files"),
        out.summary.as_of
    );
    let mut rules: Vec<_> = by_rule.into_iter().collect();
    rules.sort_by(|a, b| (b.1.2, b.1.1, a.0).cmp(&(a.1.2, a.1.1, b.0)));
    s.push_str("By rule:                          severity  findings  blocking\n");
    for (rule, (sev, n, b)) in &rules {
        // Policy ids come from the repository's policy files.
        let rule = redact::display(rule);
        s.push_str(&format!("  {rule:<32} {:<8} {n:>9} {b:>9}\n", sev.as_str()));
    }
    let mut files: Vec<_> = by_file.into_iter().collect();
    files.sort_by(|a, b| (b.1.1, b.1.0, a.0).cmp(&(a.1.1, a.1.0, b.0)));
    s.push_str("\nBy file:                                            findings  blocking\n");
    for (path, (n, b)) in files.iter().take(15) {
        let path = safe_path(path);
        s.push_str(&format!("  {path:<50} {n:>9} {b:>9}\n"));
    }
    if files.len() > 15 {
        s.push_str(&format!(
            "  … and {} more\n",
            plural(files.len() - 15, "file", "files")
        ));
    }
    let mut urgent: Vec<&&Finding> = live.iter().filter(|f| blocks(f)).collect();
    urgent.sort_by_key(|f| (urgency(&f.rule), f.path(), f.span.start));
    let mut taken: BTreeMap<&str, usize> = BTreeMap::new();
    let mut top = Vec::new();
    for f in urgent {
        let n = taken.entry(&f.rule).or_default();
        if *n < 3 && top.len() < 10 {
            *n += 1;
            top.push(f);
        }
    }
    if !top.is_empty() {
        s.push_str(&format!(
            "\nAct on these first ({} of {blocking} blocking):\n",
            top.len()
        ));
        for (i, f) in top.iter().enumerate() {
            let lc = f.source.line_col(f.span.start);
            s.push_str(&format!(
                "  {:>2}. {}  {}:{}:{}  {}\n",
                i + 1,
                redact::display(&f.rule),
                safe_path(f.path()),
                lc.line,
                lc.column,
                redact::display(&f.message)
            ));
        }
    }
    s.push_str(
        "\nNext: `keyledger check` shows each finding with its context; once the\n\
         inventory is filled in, `keyledger baseline` accepts what remains so CI\n\
         blocks only new findings.\n",
    );
    s
}
