//! Markdown: a short summary for a CI job page (GitHub's job summary, a
//! GitLab merge request note): the verdict, the counts, then one table row
//! per unsuppressed finding, blocking ones first (their severity in bold),
//! at most [`MAX_ROWS`].
//! Text from the repository is escaped so it cannot break the table or
//! inject markup; values are redacted as in every other format.

use crate::check::Outcome;
use crate::finding::Finding;
use crate::report::markdown::{code, text};

/// GitHub caps a job summary at 1 MiB; a few hundred rows is what a person
/// reads anyway. The JSON and SARIF outputs hold every finding.
pub const MAX_ROWS: usize = 200;

/// A message whose `backticked` parts become code spans; the rest is
/// escaped. Unbalanced backticks: all of it escaped.
fn message(m: &str) -> String {
    let m = &crate::redact::secrets(m);
    let parts: Vec<&str> = m.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return text(m);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 2 == 1 && !p.is_empty() {
                code(p)
            } else {
                text(p)
            }
        })
        .collect()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn row(f: &Finding, blocking: bool) -> String {
    let (start, _) = f.source.range(f.span);
    let mut location = format!("{}:{}:{}", f.path(), start.line, start.column);
    if let Some(c) = &f.commit {
        location.push_str(&format!(" @ {}", c.chars().take(12).collect::<String>()));
    }
    format!(
        "| {} | {} | {} | {} |\n",
        if blocking {
            format!("**{}**", f.severity)
        } else {
            f.severity.to_string()
        },
        code(&f.rule),
        code(&location),
        message(&f.message)
    )
}

pub fn render(out: &Outcome) -> String {
    let sm = &out.summary;
    let mut s = String::new();
    if sm.blocking > 0 {
        s.push_str(&format!(
            "### keyledger: ✖ {}\n\n",
            plural(sm.blocking, "blocking finding", "blocking findings")
        ));
    } else {
        s.push_str("### keyledger: ✔ no blocking findings\n\n");
    }
    let mut facts = vec![code(&sm.repository), format!("as of {}", sm.as_of)];
    if sm.inventory.is_empty() {
        facts.push("no inventory (content scan only)".into());
    } else {
        facts.push(format!(
            "{} ({}, {})",
            code(&sm.inventory),
            plural(sm.secrets, "secret", "secrets"),
            plural(sm.policies, "policy", "policies")
        ));
    }
    if let Some(scan) = &sm.scan {
        let skipped: usize = scan.skipped.values().map(Vec::len).sum();
        let mut f = format!("{} scanned", plural(scan.files, "file", "files"));
        if skipped > 0 {
            f.push_str(&format!(", {skipped} skipped"));
        }
        facts.push(f);
    }
    s.push_str(&facts.join(" · "));
    s.push_str("\n\n");
    s.push_str(
        "| errors | warnings | notes | waived | in baseline | allowed inline | blocking |\n",
    );
    s.push_str("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    s.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        sm.errors, sm.warnings, sm.notes, sm.waived, sm.baselined, sm.inline_allowed, sm.blocking
    ));
    let shown: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    if shown.is_empty() {
        return s;
    }
    s.push_str("\n| severity | rule | where | message |\n| --- | --- | --- | --- |\n");
    let (blocking, rest): (Vec<&Finding>, Vec<&Finding>) =
        shown.iter().partition(|f| f.blocks(out.fail_on));
    for (i, (f, b)) in blocking
        .iter()
        .map(|f| (f, true))
        .chain(rest.iter().map(|f| (f, false)))
        .enumerate()
    {
        if i == MAX_ROWS {
            s.push_str(&format!(
                "\n… and {} more (the JSON and SARIF outputs list every finding).\n",
                shown.len() - MAX_ROWS
            ));
            break;
        }
        s.push_str(&row(f, b));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_pass_through() {
        // Found by a 20,000-case fuzz run (seed 99): an ANSI escape in a
        // runbook path reached the markdown summary inside a code span.
        for m in [
            "runbook `docs/x\u{1b}[31m.md` missing",
            "a \u{1b}[2J b",
            "`\u{202e}`",
        ] {
            let out = message(m);
            assert!(!out.contains(['\u{1b}', '\u{202e}']), "{out:?}");
        }
        assert!(!crate::report::markdown::text("x\u{1b}]0;t\u{7}").contains(['\u{1b}', '\u{7}']));
    }

    #[test]
    fn messages_keep_code_spans_and_escape_the_rest() {
        assert_eq!(
            message("`JWT_SECRET` is 3 days overdue"),
            "`JWT_SECRET` is 3 days overdue"
        );
        assert_eq!(message("a | b"), "a \\| b");
        assert_eq!(message("`a|b` <x>"), "`a\\|b` \\<x\\>");
        assert_eq!(message("one ` tick"), "one \\` tick");
        assert_eq!(message("[link](x)"), "\\[link\\](x)");
    }
}
