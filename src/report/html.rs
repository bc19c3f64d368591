//! HTML: one self-contained page (inline CSS and SVG, no script, no
//! external asset, works offline and in print) with a timeline of due dates
//! over the period. Every piece of text from an inventory is escaped.

use jiff::civil::Date;

use super::model::{NO_OWNER, NotListed, Report, Row, RowStatus, inventories};
use crate::inventory::BlastRadius;
use crate::rotation::{days_between, plural};

/// Escapes text for an element or a quoted attribute value.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn radius_class(b: Option<BlastRadius>) -> &'static str {
    b.map_or("unset", |b| b.as_str())
}

/// The colour of a blast radius class (the CSS variables hold the same).
fn color(class: &str) -> &'static str {
    match class {
        "critical" => "#c0262d",
        "high" => "#e8690c",
        "medium" => "#d9a400",
        "low" => "#2f6fdb",
        _ => "#8a8f98",
    }
}

/// The most rows the timeline draws; the tables list every one.
const CHART_ROWS: usize = 60;

const CSS: &str = r#"
:root { --critical: #c0262d; --high: #e8690c; --medium: #d9a400; --low: #2f6fdb; --unset: #8a8f98;
  --ink: #1d2430; --muted: #5b6472; --line: #dde1e6; --bg: #f4f5f7; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
h3 .sub { font-weight: 400; }
.meta { color: var(--muted); margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .n { display: block; font-size: 28px; font-weight: 700; line-height: 1.2; }
.card .l { color: var(--muted); font-size: 12px; }
.card.alert { border-color: var(--critical); }
.card.alert .n { color: var(--critical); }
.card.ok .n { color: #1f7a3a; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; margin-top: 16px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.waived td { background: #fafafa; }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.3fr); gap: 16px; align-items: start; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.pill.overdue { background: #fde7e6; color: #9b1c1c; }
.pill.due { background: #fff3cf; color: #6e5100; }
.pill.never-rotated { background: #e9ebef; color: #343b46; }
.pill.waived { background: #fff; color: #343b46; border: 1px dashed #8a8f98; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; vertical-align: -1px; }
.dot.critical { background: var(--critical); } .dot.high { background: var(--high); }
.dot.medium { background: var(--medium); } .dot.low { background: var(--low); } .dot.unset { background: var(--unset); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
.name { font-weight: 600; font-size: 13px; }
table.secrets { table-layout: fixed; }
table.secrets td { overflow-wrap: anywhere; }
table.secrets td.nowrap { overflow-wrap: normal; }
.repo { display: inline-block; padding: 0 6px; border-radius: 4px; background: #e8eefb; color: #23407a; font-size: 11px; font-weight: 600; }
.sub { color: var(--muted); font-size: 12px; }
.nowrap { white-space: nowrap; }
figure { margin: 0; }
svg.timeline { display: block; width: 100%; height: auto; }
svg.timeline text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 12px; color: var(--muted); margin-top: 8px; }
.legend svg { vertical-align: -2px; margin-right: 4px; }
footer { color: var(--muted); font-size: 12px; margin-top: 16px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  .cards { grid-template-columns: repeat(auto-fit, minmax(100px, 1fr)); gap: 8px; }
  .card .n { font-size: 22px; }
  section, .card { border-color: #bbb; }
  section { padding: 10px 0 0; border: 0; border-top: 1px solid #bbb; border-radius: 0; }
  figure, tr, .cards { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

fn pill(class: &str, label: &str) -> String {
    format!("<span class=\"pill {class}\">{}</span>", esc(label))
}

fn status_html(r: &Row, report: &Report) -> String {
    let mut s = pill(r.status.as_str(), r.status.label());
    if r.waived() {
        s.push(' ');
        s.push_str(&pill("waived", "waived"));
    }
    if r.in_period == Some(false) && report.period.start < report.as_of {
        s.push_str("<br><span class=\"sub\">before the period</span>");
    }
    s
}

fn runbook_html(s: &str) -> String {
    let url_ok = |c: char| !c.is_whitespace() && !matches!(c, '<' | '>' | '"' | '\'' | '`');
    if s.starts_with("https://") && s.chars().all(url_ok) {
        format!("<a href=\"{0}\">{0}</a>", esc(s))
    } else {
        format!("<code>{}</code>", breakable(s, '/'))
    }
}

/// Escaped text with a line-break opportunity after each `at`, so long
/// names and paths wrap at their separators rather than anywhere.
fn breakable(s: &str, at: char) -> String {
    esc(s).replace(at, &format!("{at}<wbr>"))
}

fn secret_row(r: &Row, report: &Report) -> String {
    let mut h = String::new();
    h.push_str(if r.waived() {
        "<tr class=\"waived\">"
    } else {
        "<tr>"
    });
    // The secret, its repository, and where it lives.
    h.push_str("<td class=\"secret\">");
    if report.multi() {
        h.push_str(&format!(
            "<span class=\"repo\">{}</span> ",
            esc(&r.repository)
        ));
    }
    h.push_str(&format!(
        "<code class=\"name\">{}</code><br><span class=\"sub\">",
        esc(&r.name)
    ));
    match (&r.store_kind, &r.store_ref) {
        (Some(k), Some(x)) => h.push_str(&format!("{}: <code>{}</code>", esc(k), esc(x))),
        (Some(k), None) => h.push_str(&esc(k)),
        _ => h.push_str("no store declared"),
    }
    h.push_str("</span></td>");
    h.push_str(&format!("<td>{}</td>", status_html(r, report)));
    h.push_str(&format!(
        "<td class=\"nowrap\"><span class=\"dot {}\"></span>{}</td>",
        radius_class(r.blast_radius),
        r.blast_radius.map_or("unset", |b| b.as_str())
    ));
    h.push_str(&format!(
        "<td><span class=\"nowrap\">{}</span><br><span class=\"sub\">{}</span></td>",
        r.due.map_or("none".to_string(), |d| d.to_string()),
        esc(&r.days_text())
    ));
    h.push_str(&format!(
        "<td><span class=\"nowrap\">{}</span><br><span class=\"sub\">{}</span></td>",
        r.last_rotated
            .map_or("never".to_string(), |d| d.to_string()),
        r.cadence
            .as_deref()
            .map(|c| format!("cadence {}", esc(c)))
            .unwrap_or_default()
            + &if report.evidence {
                format!(
                    "<br>store: {}",
                    esc(&r
                        .evidence
                        .as_ref()
                        .map_or_else(|| "unverified".to_string(), |e| e.cell()))
                )
            } else {
                String::new()
            }
    ));
    h.push_str(&format!(
        "<td>{}</td>",
        r.rotate_with
            .iter()
            .map(|n| format!("<code>{}</code>", breakable(n, '_')))
            .collect::<Vec<_>>()
            .join("<br>")
    ));
    h.push_str(&format!(
        "<td>{}</td>",
        r.runbook.as_deref().map(runbook_html).unwrap_or_default()
    ));
    h.push_str(&match &r.waiver {
        Some(w) => format!(
            "<td class=\"waiver\"><span class=\"nowrap\">{} {}</span> <span class=\"sub\">({})</span><br>{}</td>",
            if w.active { "until" } else { "expired" },
            w.expires,
            esc(&w.rule),
            esc(&w.reason)
        ),
        None => "<td class=\"waiver\"></td>".into(),
    });
    h.push_str("</tr>\n");
    h
}

/// Truncates a label for the chart; the full text is in the tooltip.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn fmt_day(d: Date) -> String {
    d.strftime("%b %-d").to_string()
}

/// A marker: diamond overdue, circle due, square never rotated; hollow
/// (dashed outline) when waived.
fn marker(status: RowStatus, waived: bool, class: &str, x: f64, y: f64) -> String {
    let style = if waived {
        format!(
            "fill=\"#fff\" stroke=\"{}\" stroke-width=\"2\" stroke-dasharray=\"2 1.5\"",
            color(class)
        )
    } else {
        format!(
            "fill=\"{}\" stroke=\"#fff\" stroke-width=\"1\"",
            color(class)
        )
    };
    match status {
        RowStatus::Overdue => format!(
            "<path d=\"M{x:.1} {:.1} L{:.1} {y:.1} L{x:.1} {:.1} L{:.1} {y:.1} Z\" {style}/>",
            y - 7.0,
            x + 7.0,
            y + 7.0,
            x - 7.0
        ),
        RowStatus::Due => format!("<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6\" {style}/>"),
        RowStatus::NeverRotated => format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"11\" height=\"11\" {style}/>",
            x - 5.5,
            y - 5.5
        ),
    }
}

/// The timeline: one line per listed secret, most urgent at the top, with
/// its due date on an axis spanning the period. Due dates before the
/// period (and never-rotated secrets) are pinned in a lane at the left.
pub fn timeline(report: &Report) -> String {
    let p = &report.period;
    let rows: Vec<&Row> = report.rows.iter().take(CHART_ROWS).collect();
    let (w, label_w, lane_x, x0, x1) = (1100.0, 250.0, 270.0, 400.0, 1070.0);
    let (top, row_h) = (46.0, 24.0);
    let h = top + row_h * rows.len().max(1) as f64 + 12.0;
    let span = days_between(p.start, p.end).max(1) as f64;
    let x_of = |d: Date| x0 + (days_between(p.start, d) as f64 / span) * (x1 - x0);
    let mut s = format!(
        "<svg class=\"timeline\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-labelledby=\"tl-title\">\n<title id=\"tl-title\">Due dates from {} to {}, as of {}</title>\n",
        p.start, p.end, report.as_of
    );
    // Row stripes, then the lane before the period over them.
    for i in (0..rows.len()).step_by(2) {
        s.push_str(&format!(
            "<rect x=\"0\" y=\"{:.1}\" width=\"{w}\" height=\"{row_h}\" fill=\"#f5f6f8\"/>\n",
            top + row_h * i as f64
        ));
    }
    s.push_str(&format!(
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fbeaea\" opacity=\"0.8\" rx=\"4\"/>\n",
        lane_x - 10.0,
        top - 8.0,
        x0 - lane_x - 10.0,
        h - top
    ));
    let lane_title = if p.start < report.as_of {
        format!("before {}", fmt_day(p.start))
    } else {
        "overdue".to_string()
    };
    s.push_str(&format!(
        "<text x=\"{:.1}\" y=\"30\" font-size=\"12\" fill=\"#9b1c1c\" font-weight=\"600\">{}</text>\n",
        lane_x - 2.0,
        esc(&lane_title)
    ));
    // Axis ticks: month starts for long periods, weeks for short ones.
    let mut ticks = vec![p.start];
    if span > 62.0 {
        let mut d = p.start.first_of_month();
        while let Ok(next) = d.checked_add(jiff::Span::new().months(1)) {
            if next > p.end {
                break;
            }
            ticks.push(next);
            d = next;
        }
    } else {
        let mut d = p.start;
        while let Ok(next) = d.checked_add(jiff::Span::new().days(7)) {
            if next > p.end {
                break;
            }
            ticks.push(next);
            d = next;
        }
    }
    ticks.push(p.end);
    ticks.dedup();
    let mut last_label = f64::NEG_INFINITY;
    for (i, t) in ticks.iter().enumerate() {
        let x = x_of(*t);
        let edge = i == 0 || i + 1 == ticks.len();
        s.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{}\" stroke-width=\"1\"{}/>\n",
            top - 10.0,
            h - 4.0,
            if edge { "#9aa1ab" } else { "#e3e6ea" },
            if i == 0 { " stroke-dasharray=\"4 3\"" } else { "" }
        ));
        // Labels are about 40 wide: the first is anchored at its start,
        // the last at its end, the others in the middle. A middle label
        // that would touch a neighbour is skipped; the first and the last
        // (the period's bounds) always show.
        let last = i + 1 == ticks.len();
        let gap_before = if i == 1 { 68.0 } else { 48.0 };
        if i != 0 && !last && (x - last_label < gap_before || x_of(p.end) - x < 68.0) {
            continue;
        }
        let anchor = if i + 1 == ticks.len() {
            "end"
        } else if i == 0 {
            "start"
        } else {
            "middle"
        };
        s.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"18\" font-size=\"12\" fill=\"#5b6472\" text-anchor=\"{anchor}\">{}</text>\n",
            esc(&fmt_day(*t))
        ));
        last_label = x;
    }
    // The as-of date.
    if p.contains(report.as_of) {
        let x = x_of(report.as_of);
        s.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#1d2430\" stroke-width=\"2\"/>\n",
            top - 12.0,
            h - 4.0
        ));
        let (tx, anchor) = if x > x1 - 60.0 {
            (x - 4.0, "end")
        } else {
            (x + 4.0, "start")
        };
        s.push_str(&format!(
            "<text x=\"{tx:.1}\" y=\"34\" font-size=\"11\" fill=\"#1d2430\" font-weight=\"600\" text-anchor=\"{anchor}\">as of {}</text>\n",
            esc(&fmt_day(report.as_of))
        ));
    }
    if rows.is_empty() {
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"#5b6472\" text-anchor=\"middle\">Nothing overdue or due in the period</text>\n",
            (x0 + x1) / 2.0,
            top + 14.0
        ));
    }
    let multi = report.multi();
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64 + row_h / 2.0;
        let class = radius_class(r.blast_radius);
        let label = if multi {
            format!("{} / {}", r.repository, r.name)
        } else {
            r.name.clone()
        };
        let mut tip = format!(
            "{label}: {}{}",
            r.status.label(),
            r.due.map(|d| format!(" (due {d})")).unwrap_or_default()
        );
        let days = r.days_text();
        if !days.is_empty() {
            tip.push_str(&format!(", {days}"));
        }
        tip.push_str(&format!(
            ", blast radius {}, owner {}",
            r.blast_radius.map_or("unset", |b| b.as_str()),
            r.owner_label()
        ));
        if r.waived() {
            tip.push_str(", waived");
        }
        s.push_str(&format!("<g><title>{}</title>\n", esc(&tip)));
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#1d2430\" text-anchor=\"end\">{}</text>\n",
            label_w,
            y + 4.0,
            esc(&short(&label, 34))
        ));
        let pinned = r.in_period != Some(true);
        let x = match r.due {
            Some(d) if !pinned => x_of(d),
            _ => lane_x + 4.0,
        };
        let note = match (r.status, r.days) {
            (RowStatus::NeverRotated, _) => "never rotated".to_string(),
            (_, Some(d)) if d < 0 => format!("{} d overdue", -d),
            (_, Some(0)) => "due today".to_string(),
            (_, Some(d)) => format!("in {d} d"),
            _ => String::new(),
        };
        let (tx, anchor) = if !pinned && x > x1 - 110.0 {
            (x - 11.0, "end")
        } else {
            (x + 11.0, "start")
        };
        // An overdue stretch inside the period, from the due date to the
        // as-of date, starting after the note when the note is on its right
        // (about 6 units per character at this size).
        if !pinned && r.status == RowStatus::Overdue {
            let xa = x_of(report.as_of.min(p.end));
            let from = if anchor == "start" {
                tx + note.chars().count() as f64 * 6.0 + 4.0
            } else {
                x
            };
            if from < xa {
                s.push_str(&format!(
                    "<line x1=\"{from:.1}\" y1=\"{y:.1}\" x2=\"{xa:.1}\" y2=\"{y:.1}\" stroke=\"{}\" stroke-width=\"3\" opacity=\"0.35\"/>\n",
                    color(class)
                ));
            }
        }
        s.push_str(&marker(r.status, r.waived(), class, x, y));
        s.push('\n');
        s.push_str(&format!(
            "<text x=\"{tx:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#4a525e\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\" text-anchor=\"{anchor}\">{}</text>\n</g>\n",
            y + 4.0,
            esc(&note)
        ));
    }
    s.push_str("</svg>\n");
    s
}

fn legend() -> String {
    let mut s = String::from("<div class=\"legend\">");
    for b in ["critical", "high", "medium", "low", "unset"] {
        s.push_str(&format!(
            "<span><svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\"><circle cx=\"6\" cy=\"6\" r=\"5\" fill=\"{}\"/></svg>{b}</span>",
            color(b)
        ));
    }
    let shape = |status, waived, label: &str| {
        format!(
            "<span><svg width=\"16\" height=\"16\" viewBox=\"0 0 16 16\" aria-hidden=\"true\">{}</svg>{}</span>",
            marker(status, waived, "unset", 8.0, 8.0),
            esc(label)
        )
    };
    s.push_str(&shape(RowStatus::Overdue, false, "overdue"));
    s.push_str(&shape(RowStatus::Due, false, "due"));
    s.push_str(&shape(RowStatus::NeverRotated, false, "never rotated"));
    s.push_str(&shape(RowStatus::Overdue, true, "waived (hollow)"));
    s.push_str("</div>\n");
    s
}

fn card(n: usize, label: &str, class: &str) -> String {
    format!(
        "<div class=\"card {class}\"><span class=\"n\">{n}</span><span class=\"l\">{}</span></div>\n",
        esc(label)
    )
}

pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let p = &report.period;
    let multi = report.multi();
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>Secret rotation report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&p.label())
    ));
    h.push_str(&format!(
        "<header>\n<h1>Secret rotation report: {}</h1>\n",
        esc(&p.label())
    ));
    let sources: Vec<String> = report
        .sources
        .iter()
        .map(|x| {
            format!(
                "<strong>{}</strong> ({}, {})",
                esc(&x.repository),
                x.inventory
                    .as_deref()
                    .map_or("no inventory".into(), |i| format!(
                        "<code>{}</code>",
                        esc(i)
                    )),
                plural(x.secrets as i64, "secret")
            )
        })
        .collect();
    h.push_str(&format!(
        "<p class=\"meta\">Period <strong>{}</strong> to <strong>{}</strong>, as of <strong>{}</strong>. {} in {}: {}.{}</p>\n</header>\n",
        p.start,
        p.end,
        report.as_of,
        plural(s.secrets as i64, "secret"),
        inventories(report.sources.len()),
        sources.join(", "),
        if report.owners.is_empty() {
            String::new()
        } else {
            format!(
                " Owners: {}.",
                report.owners.iter().map(|o| esc(o)).collect::<Vec<_>>().join(", ")
            )
        }
    ));

    // Summary cards.
    h.push_str("<div class=\"cards\">\n");
    h.push_str(&card(
        s.blocking,
        &format!("overdue, not waived, on {}", report.as_of),
        if s.blocking > 0 { "alert" } else { "ok" },
    ));
    h.push_str(&card(s.overdue, "overdue (waived included)", ""));
    h.push_str(&card(s.due, &format!("due by {}", p.end), ""));
    h.push_str(&card(s.never_rotated, "never rotated", ""));
    h.push_str(&card(s.waived, "waived", ""));
    if p.start < report.as_of {
        h.push_str(&card(
            s.due_in_period,
            &format!("falling due in {}", p.label()),
            "",
        ));
    }
    h.push_str(&card(s.waivers_expiring, "waivers expiring", ""));
    h.push_str("</div>\n");

    // Timeline and blast radius.
    h.push_str("<section>\n<h2>Timeline of due dates</h2>\n<figure>\n");
    h.push_str(&timeline(report));
    h.push_str("<figcaption>");
    h.push_str(&legend());
    if report.rows.len() > CHART_ROWS {
        h.push_str(&format!(
            "<p class=\"sub\">The chart shows the {CHART_ROWS} most urgent of {} secrets; the tables list all of them.</p>",
            report.rows.len()
        ));
    }
    h.push_str("</figcaption>\n</figure>\n</section>\n");

    h.push_str("<section class=\"split\">\n<div>\n<h2>By blast radius</h2>\n<table>\n<thead><tr><th>blast radius</th><th class=\"num\">overdue</th><th class=\"num\">due</th><th class=\"num\">never rotated</th><th class=\"num\">waived</th></tr></thead>\n<tbody>\n");
    for (b, c) in &s.by_blast_radius {
        h.push_str(&format!(
            "<tr><td><span class=\"dot {0}\"></span>{0}</td><td class=\"num\">{1}</td><td class=\"num\">{2}</td><td class=\"num\">{3}</td><td class=\"num\">{4}</td></tr>\n",
            radius_class(*b),
            c.overdue,
            c.due,
            c.never_rotated,
            c.waived
        ));
    }
    h.push_str("</tbody>\n</table>\n</div>\n<div>\n<h2>Waivers expiring in the period</h2>\n");
    if report.waivers_expiring.is_empty() {
        h.push_str(&format!(
            "<p class=\"sub\">No waiver expires between {} and {}.</p>\n",
            p.start, p.end
        ));
    } else {
        h.push_str("<table>\n<thead><tr>");
        if multi {
            h.push_str("<th>repository</th>");
        }
        h.push_str(
            "<th>expires</th><th>secret</th><th>rule</th><th>reason</th></tr></thead>\n<tbody>\n",
        );
        for w in &report.waivers_expiring {
            h.push_str("<tr>");
            if multi {
                h.push_str(&format!("<td>{}</td>", esc(&w.repository)));
            }
            h.push_str(&format!(
                "<td>{}</td><td><code>{}</code>{}</td><td><code>{}</code></td><td>{}</td></tr>\n",
                esc(&w.expiry_text()),
                esc(w.secret.as_deref().unwrap_or("(all secrets)")),
                w.owner
                    .as_deref()
                    .map(|o| format!("<br><span class=\"sub\">{}</span>", esc(o)))
                    .unwrap_or_default(),
                esc(&w.rule),
                esc(&w.reason)
            ));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</div>\n</section>\n");

    // Secrets by owner.
    h.push_str("<section>\n<h2>Secrets by owner</h2>\n");
    if report.rows.is_empty() {
        h.push_str("<p>No secret is overdue, due in the period or never rotated.</p>\n");
    }
    for (owner, rows) in report.by_owner() {
        let overdue = rows
            .iter()
            .filter(|r| r.status == RowStatus::Overdue)
            .count();
        h.push_str(&format!(
            "<h3>{} <span class=\"sub\">{}, {} overdue</span></h3>\n",
            esc(owner),
            plural(rows.len() as i64, "secret"),
            overdue
        ));
        h.push_str("<table class=\"secrets\">\n<colgroup><col style=\"width:22%\"><col style=\"width:10%\"><col style=\"width:8%\"><col style=\"width:11%\"><col style=\"width:10%\"><col style=\"width:12%\"><col style=\"width:12%\"><col style=\"width:15%\"></colgroup>\n<thead><tr><th>secret</th><th>status</th><th>blast radius</th><th>due</th><th>last rotated</th><th>rotate with</th><th>runbook</th><th>waiver</th></tr></thead>\n<tbody>\n");
        for r in rows {
            h.push_str(&secret_row(r, report));
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
    if !report.others.is_empty() {
        h.push_str("<section>\n<h2>Not due in the period</h2>\n<table>\n<thead><tr>");
        if multi {
            h.push_str("<th>repository</th>");
        }
        h.push_str("<th>secret</th><th>owner</th><th>blast radius</th><th>cadence</th><th>last rotated</th><th>next</th></tr></thead>\n<tbody>\n");
        for o in &report.others {
            h.push_str("<tr>");
            if multi {
                h.push_str(&format!("<td>{}</td>", esc(&o.repository)));
            }
            h.push_str(&format!(
                "<td><code class=\"name\">{}</code></td><td>{}</td><td class=\"nowrap\"><span class=\"dot {}\"></span>{}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td></tr>\n",
                esc(&o.name),
                esc(o.owner.as_deref().unwrap_or(NO_OWNER)),
                radius_class(o.blast_radius),
                o.blast_radius.map_or("unset", |b| b.as_str()),
                esc(o.cadence.as_deref().unwrap_or_default()),
                o.last_rotated.map_or("never".to_string(), |d| d.to_string()),
                esc(&o.reason.describe(o.due))
            ));
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
    }
    checks(&mut h, report);
    h.push_str(&format!(
        "<footer>Generated by <code>keyledger report</code>. {}</footer>\n</main>\n</body>\n</html>\n",
        not_listed(report)
    ));
    h
}

/// The sentence about what the report leaves out, from the summary's
/// counts.
fn not_listed(report: &Report) -> String {
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
                    "{n} with <code>last_rotated</code> after {} (run <code>keyledger check</code>)",
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
fn checks(h: &mut String, report: &Report) {
    if report.checks.is_empty() {
        return;
    }
    let blocked = report.checks.iter().filter(|c| c.blocking > 0).count();
    h.push_str("<section>\n<h2>Check results by repository</h2>\n");
    h.push_str(&format!(
        "<p class=\"sub\">{} checked; {blocked} with blocking findings (as each check run saw them).</p>\n",
        match report.checks.len() {
            1 => "1 repository".to_string(),
            n => format!("{n} repositories"),
        }
    ));
    h.push_str("<table>\n<thead><tr><th>repository</th><th>as of</th><th class=\"num\">blocking</th><th class=\"num\">errors</th><th class=\"num\">warnings</th><th class=\"num\">notes</th><th class=\"num\">suppressed</th><th>most frequent</th></tr></thead>\n<tbody>\n");
    for c in &report.checks {
        let rules: Vec<String> = c
            .by_rule
            .iter()
            .take(3)
            .map(|(rule, n)| format!("<code>{}</code> {n}", esc(rule)))
            .collect();
        h.push_str(&format!(
            "<tr><td><strong>{}</strong></td><td class=\"nowrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            esc(&c.repository),
            esc(&c.as_of),
            if c.blocking > 0 {
                format!("<span class=\"pill overdue\">{}</span>", c.blocking)
            } else {
                "0".into()
            },
            c.errors,
            c.warnings,
            c.notes,
            c.suppressed,
            rules.join(", ")
        ));
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}
