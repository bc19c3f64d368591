//! CSV (RFC 4180): a header row, then one row per listed secret, most
//! urgent first. Fields holding a comma, a quote or a line break are quoted
//! (quotes doubled); lines end with CRLF. A text field that a spreadsheet
//! would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return) is prefixed with `'`.

use super::model::Report;

pub const HEADER: [&str; 21] = [
    "repository",
    "inventory",
    "line",
    "owner",
    "secret",
    "status",
    "waived",
    "blast_radius",
    "store_kind",
    "store_ref",
    "cadence",
    "last_rotated",
    "due",
    "days_overdue",
    "days_left",
    "in_period",
    "rotate_with",
    "runbook",
    "waiver_rule",
    "waiver_reason",
    "waiver_expires",
];

/// One field, quoted when it needs to be.
pub fn field(s: &str) -> String {
    let s = match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn line(out: &mut String, fields: &[String]) {
    let cells: Vec<String> = fields.iter().map(|f| field(f)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let mut header: Vec<String> = HEADER.iter().map(|h| h.to_string()).collect();
    if report.evidence {
        header.extend(["store_date".to_string(), "evidence".to_string()]);
    }
    line(&mut out, &header);
    let opt = |o: Option<String>| o.unwrap_or_default();
    for r in &report.rows {
        let w = r.waiver.as_ref();
        let mut fields = vec![
            r.repository.clone(),
            r.inventory.clone(),
            r.line.to_string(),
            opt(r.owner.clone()),
            r.name.clone(),
            r.status.as_str().to_string(),
            r.waived().to_string(),
            opt(r.blast_radius.map(|b| b.as_str().to_string())),
            opt(r.store_kind.clone()),
            opt(r.store_ref.clone()),
            opt(r.cadence.clone()),
            opt(r.last_rotated.map(|d| d.to_string())),
            opt(r.due.map(|d| d.to_string())),
            opt(r.days_overdue().map(|d| d.to_string())),
            opt(r.days_left().map(|d| d.to_string())),
            opt(r.in_period.map(|b| b.to_string())),
            r.rotate_with.join(" "),
            opt(r.runbook.clone()),
            opt(w.map(|w| w.rule.clone())),
            opt(w.map(|w| w.reason.clone())),
            opt(w.map(|w| w.expires.to_string())),
        ];
        if report.evidence {
            let e = r.evidence.as_ref();
            fields.push(opt(e.and_then(|e| e.store_date.map(|d| d.to_string()))));
            fields.push(e.map_or("unverified", |e| e.verdict.as_str()).to_string());
        }
        line(&mut out, &fields);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn quoting() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-1,2"), "\"'-1,2\"");
        assert_eq!(field(""), "");
    }
}
