//! JSON: the shape documented in the README ("Quarterly report"),
//! `{"version": 1, "as_of", "period", "inventories", "owners", "summary",
//! "secrets", "waivers_expiring", "not_listed"}`, plus `"checks"` when
//! check outputs were merged.

use serde::Serialize;

use super::model::{Report, Row};

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    as_of: String,
    period: Period<'a>,
    inventories: Vec<Inventory<'a>>,
    /// The `--owner` filter; empty for every owner.
    owners: &'a [String],
    summary: Summary,
    secrets: Vec<Secret<'a>>,
    waivers_expiring: Vec<Waiver<'a>>,
    not_listed: Vec<Other<'a>>,
    /// The merged `check --format json` results; absent when none was given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checks: Vec<Check<'a>>,
}

#[derive(Serialize)]
struct Check<'a> {
    repository: &'a str,
    path: &'a str,
    as_of: &'a str,
    inventory: Option<&'a str>,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
    blocking: usize,
    by_rule: Vec<RuleCount<'a>>,
}

#[derive(Serialize)]
struct RuleCount<'a> {
    rule: &'a str,
    findings: usize,
}

#[derive(Serialize)]
struct Other<'a> {
    repository: &'a str,
    inventory: &'a str,
    line: usize,
    name: &'a str,
    owner: Option<&'a str>,
    blast_radius: Option<&'a str>,
    cadence: Option<&'a str>,
    last_rotated: Option<String>,
    /// later | on-compromise | no-cadence | last-rotated-in-future
    reason: &'a str,
    due: Option<String>,
}

#[derive(Serialize)]
struct Period<'a> {
    start: String,
    end: String,
    quarter: Option<&'a str>,
}

#[derive(Serialize)]
struct Inventory<'a> {
    repository: &'a str,
    /// null for a content-only check output.
    path: Option<&'a str>,
    secrets: usize,
}

#[derive(Serialize)]
struct Counts {
    overdue: usize,
    due: usize,
    never_rotated: usize,
    waived: usize,
}

#[derive(Serialize)]
struct ByRadius {
    critical: Counts,
    high: Counts,
    medium: Counts,
    low: Counts,
    unset: Counts,
}

#[derive(Serialize)]
struct NotListed {
    on_compromise: usize,
    no_cadence: usize,
    last_rotated_in_future: usize,
    later: usize,
}

#[derive(Serialize)]
struct Summary {
    secrets: usize,
    listed: usize,
    overdue: usize,
    due: usize,
    never_rotated: usize,
    waived: usize,
    blocking: usize,
    due_in_period: usize,
    carried_over: usize,
    waivers_expiring: usize,
    not_listed: NotListed,
    by_blast_radius: ByRadius,
}

#[derive(Serialize)]
struct Store<'a> {
    kind: &'a str,
    #[serde(rename = "ref")]
    reference: Option<&'a str>,
}

#[derive(Serialize)]
struct RowWaiver<'a> {
    rule: &'a str,
    reason: &'a str,
    expires: String,
    active: bool,
}

#[derive(Serialize)]
struct Secret<'a> {
    repository: &'a str,
    inventory: &'a str,
    line: usize,
    name: &'a str,
    owner: Option<&'a str>,
    status: &'a str,
    waived: bool,
    blast_radius: Option<&'a str>,
    store: Option<Store<'a>>,
    cadence: Option<&'a str>,
    last_rotated: Option<String>,
    due: Option<String>,
    days_overdue: Option<i64>,
    days_left: Option<i64>,
    in_period: Option<bool>,
    rotate_with: &'a [String],
    runbook: Option<&'a str>,
    waiver: Option<RowWaiver<'a>>,
    /// With evidence: the store's date and what it says of the row.
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<crate::evidence::RowEvidence>,
}

#[derive(Serialize)]
struct Waiver<'a> {
    repository: &'a str,
    inventory: &'a str,
    line: usize,
    rule: &'a str,
    secret: Option<&'a str>,
    owner: Option<&'a str>,
    reason: &'a str,
    expires: String,
    /// Expired on the as-of date (a quarter's report is as of its end).
    expired: bool,
    /// Days from the as-of date to the expiry; null once expired.
    days_left: Option<i64>,
}

fn secret(r: &Row) -> Secret<'_> {
    Secret {
        repository: &r.repository,
        inventory: &r.inventory,
        line: r.line,
        name: &r.name,
        owner: r.owner.as_deref(),
        status: r.status.as_str(),
        waived: r.waived(),
        blast_radius: r.blast_radius.map(|b| b.as_str()),
        store: r.store_kind.as_deref().map(|kind| Store {
            kind,
            reference: r.store_ref.as_deref(),
        }),
        cadence: r.cadence.as_deref(),
        last_rotated: r.last_rotated.map(|d| d.to_string()),
        due: r.due.map(|d| d.to_string()),
        days_overdue: r.days_overdue(),
        days_left: r.days_left(),
        in_period: r.in_period,
        rotate_with: &r.rotate_with,
        runbook: r.runbook.as_deref(),
        waiver: r.waiver.as_ref().map(|w| RowWaiver {
            rule: &w.rule,
            reason: &w.reason,
            expires: w.expires.to_string(),
            active: w.active,
        }),
        evidence: r.evidence.clone(),
    }
}

pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let counts = |i: usize| {
        let c = s.by_blast_radius[i].1;
        Counts {
            overdue: c.overdue,
            due: c.due,
            never_rotated: c.never_rotated,
            waived: c.waived,
        }
    };
    let doc = Doc {
        version: 1,
        as_of: report.as_of.to_string(),
        period: Period {
            start: report.period.start.to_string(),
            end: report.period.end.to_string(),
            quarter: report.period.quarter.as_deref(),
        },
        inventories: report
            .sources
            .iter()
            .map(|x| Inventory {
                repository: &x.repository,
                path: x.inventory.as_deref(),
                secrets: x.secrets,
            })
            .collect(),
        owners: &report.owners,
        summary: Summary {
            secrets: s.secrets,
            listed: s.listed,
            overdue: s.overdue,
            due: s.due,
            never_rotated: s.never_rotated,
            waived: s.waived,
            blocking: s.blocking,
            due_in_period: s.due_in_period,
            carried_over: s.carried_over,
            waivers_expiring: s.waivers_expiring,
            not_listed: NotListed {
                on_compromise: s.on_compromise,
                no_cadence: s.no_cadence,
                last_rotated_in_future: s.last_rotated_in_future,
                later: s.later,
            },
            by_blast_radius: ByRadius {
                critical: counts(0),
                high: counts(1),
                medium: counts(2),
                low: counts(3),
                unset: counts(4),
            },
        },
        secrets: report.rows.iter().map(secret).collect(),
        waivers_expiring: report
            .waivers_expiring
            .iter()
            .map(|w| Waiver {
                repository: &w.repository,
                inventory: &w.inventory,
                line: w.line,
                rule: &w.rule,
                secret: w.secret.as_deref(),
                owner: w.owner.as_deref(),
                reason: &w.reason,
                expires: w.expires.to_string(),
                expired: w.days < 0,
                days_left: (w.days >= 0).then_some(w.days),
            })
            .collect(),
        not_listed: report
            .others
            .iter()
            .map(|o| Other {
                repository: &o.repository,
                inventory: &o.inventory,
                line: o.line,
                name: &o.name,
                owner: o.owner.as_deref(),
                blast_radius: o.blast_radius.map(|b| b.as_str()),
                cadence: o.cadence.as_deref(),
                last_rotated: o.last_rotated.map(|d| d.to_string()),
                reason: o.reason.as_str(),
                due: o.due.map(|d| d.to_string()),
            })
            .collect(),
        checks: report
            .checks
            .iter()
            .map(|c| Check {
                repository: &c.repository,
                path: &c.path,
                as_of: &c.as_of,
                inventory: c.inventory.as_deref(),
                errors: c.errors,
                warnings: c.warnings,
                notes: c.notes,
                suppressed: c.suppressed,
                blocking: c.blocking,
                by_rule: c
                    .by_rule
                    .iter()
                    .map(|(rule, n)| RuleCount { rule, findings: *n })
                    .collect(),
            })
            .collect(),
    };
    let mut out =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
