//! Computes the [`Report`] from the loaded repositories: which secrets are
//! listed and why the others are not, the waivers expiring in the period,
//! the order (most urgent first) and the counts. Due dates and days come
//! from [`crate::rotation`]; nothing here re-does cadence arithmetic.

use std::collections::{BTreeSet, HashMap};

use jiff::civil::Date;

use super::load::{Loaded, SecretEntry};
use super::model::{
    Counts, ExpiringWaiver, NotListed, Other, Period, Report, Row, RowStatus, RowWaiver, Source,
    Summary,
};
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::inventory::BlastRadius;
use crate::rotation::{self, Status};
use crate::schema::did_you_mean;

const RADII: [Option<BlastRadius>; 5] = [
    Some(BlastRadius::Critical),
    Some(BlastRadius::High),
    Some(BlastRadius::Medium),
    Some(BlastRadius::Low),
    None,
];

fn owner_matches(secret: &SecretEntry, owners: &[String]) -> bool {
    owners.is_empty()
        || secret
            .owner
            .as_ref()
            .is_some_and(|o| owners.iter().any(|w| w.eq_ignore_ascii_case(o)))
}

/// An `--owner` that owns nothing anywhere is a usage error, so a typo
/// cannot turn a gating job green.
fn check_owners(repositories: &[Loaded], owners: &[String]) -> Result<(), Fatal> {
    if owners.is_empty() {
        return Ok(());
    }
    let all: BTreeSet<&str> = repositories
        .iter()
        .flat_map(|l| l.secrets.iter())
        .filter_map(|s| s.owner.as_deref())
        .collect();
    let lower: BTreeSet<String> = all.iter().map(|o| o.to_ascii_lowercase()).collect();
    let mut unknown = Vec::new();
    for o in owners {
        if lower.contains(&o.to_ascii_lowercase()) {
            continue;
        }
        let d = Diag::plain(
            ErrorCode::Usage,
            format!("--owner: no secret is owned by `{o}`"),
        );
        unknown.push(match did_you_mean(o, all.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "owners in the inventories: {}",
                all.iter().copied().collect::<Vec<_>>().join(", ")
            )),
        });
    }
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Fatal(unknown))
    }
}

/// What the rows and the not-listed secrets are made of, before sorting.
#[derive(Default)]
struct Lists {
    rows: Vec<Row>,
    others: Vec<Other>,
    waivers_expiring: Vec<ExpiringWaiver>,
    sources: Vec<Source>,
}

/// Sorts one repository's secrets into rows (listed) and others, and
/// collects its waivers that expire in the period.
fn classify(
    l: &Loaded,
    as_of: Date,
    period: &Period,
    owners: &[String],
    summary: &mut Summary,
    out: &mut Lists,
) {
    let window = rotation::days_between(as_of, period.end).max(0);
    let display = l.inventory.clone().unwrap_or_default();
    let mut count = 0;
    for s in l.secrets.iter().filter(|s| owner_matches(s, owners)) {
        count += 1;
        let st = rotation::status_of(s.cadence.as_ref(), s.last_rotated, as_of, window);
        let other = |reason| Other {
            repository: l.repository.clone(),
            inventory: display.clone(),
            line: s.line,
            name: s.name.clone(),
            owner: s.owner.clone(),
            blast_radius: s.blast_radius,
            cadence: s.cadence.map(|c| c.to_string()),
            last_rotated: s.last_rotated,
            reason,
            due: st.due(),
        };
        let (status, due, days) = match st {
            Status::NoCadence => {
                summary.no_cadence += 1;
                out.others.push(other(NotListed::NoCadence));
                continue;
            }
            Status::OnCompromise => {
                summary.on_compromise += 1;
                out.others.push(other(NotListed::OnCompromise));
                continue;
            }
            Status::InFuture { .. } => {
                summary.last_rotated_in_future += 1;
                out.others.push(other(NotListed::LastRotatedInFuture));
                continue;
            }
            Status::Ok { .. } => {
                summary.later += 1;
                out.others.push(other(NotListed::Later));
                continue;
            }
            Status::Never => (RowStatus::NeverRotated, None, None),
            Status::Overdue { due, days } => (RowStatus::Overdue, Some(due), Some(-days)),
            Status::DueSoon { due, days } => (RowStatus::Due, Some(due), Some(days)),
        };
        let rule = status.rule();
        let waiver = l
            .waivers
            .iter()
            .filter(|w| w.rule == rule && w.secret.as_ref().is_none_or(|x| *x == s.name))
            .map(|w| RowWaiver {
                rule: w.rule.clone(),
                reason: w.reason.clone(),
                expires: w.expires,
                active: w.expires >= as_of,
            })
            .max_by_key(|w| (w.active, w.expires));
        out.rows.push(Row {
            repository: l.repository.clone(),
            inventory: display.clone(),
            line: s.line,
            name: s.name.clone(),
            owner: s.owner.clone(),
            status,
            blast_radius: s.blast_radius,
            store_kind: s.store_kind.clone(),
            store_ref: s.store_ref.clone(),
            cadence: s.cadence.map(|c| c.to_string()),
            last_rotated: s.last_rotated,
            due,
            days,
            in_period: due.map(|d| period.contains(d)),
            rotate_with: s.rotate_with.clone(),
            runbook: s.runbook.clone(),
            waiver,
            evidence: None,
        });
    }
    out.sources.push(Source {
        repository: l.repository.clone(),
        inventory: l.inventory.clone(),
        secrets: count,
    });
    summary.secrets += count;

    // The first entry of a name, as the inventory's own lookups do.
    let mut by_name: HashMap<&str, &SecretEntry> = HashMap::new();
    for s in &l.secrets {
        by_name.entry(s.name.as_str()).or_insert(s);
    }
    for w in &l.waivers {
        if !period.contains(w.expires) {
            continue;
        }
        let secret = w.secret.as_deref().and_then(|n| by_name.get(n).copied());
        if !owners.is_empty() {
            match (&w.secret, secret) {
                (None, _) => {}
                (Some(_), Some(s)) if owner_matches(s, owners) => {}
                _ => continue,
            }
        }
        out.waivers_expiring.push(ExpiringWaiver {
            repository: l.repository.clone(),
            inventory: display.clone(),
            line: w.line,
            rule: w.rule.clone(),
            secret: w.secret.clone(),
            owner: secret.and_then(|s| s.owner.clone()),
            reason: w.reason.clone(),
            expires: w.expires,
            days: rotation::days_between(as_of, w.expires),
        });
    }
}

/// Most urgent first: overdue, never rotated, due; unwaived before waived;
/// blast radius critical to low; most days overdue first.
fn sort(lists: &mut Lists) {
    lists.rows.sort_by(|a, b| {
        (
            a.status,
            a.waived(),
            std::cmp::Reverse(a.blast_radius),
            a.days,
        )
            .cmp(&(
                b.status,
                b.waived(),
                std::cmp::Reverse(b.blast_radius),
                b.days,
            ))
            .then_with(|| a.repository.cmp(&b.repository))
            .then_with(|| a.name.cmp(&b.name))
    });
    lists.others.sort_by(|a, b| {
        (a.due.is_none(), a.due, &a.repository, &a.name).cmp(&(
            b.due.is_none(),
            b.due,
            &b.repository,
            &b.name,
        ))
    });
    lists.waivers_expiring.sort_by(|a, b| {
        (a.expires, &a.repository, &a.secret, &a.rule).cmp(&(
            b.expires,
            &b.repository,
            &b.secret,
            &b.rule,
        ))
    });
}

/// The counts over the listed rows.
fn tally(rows: &[Row], summary: &mut Summary) {
    for r in rows {
        summary.listed += 1;
        let mut c = Counts::default();
        match r.status {
            RowStatus::Overdue => {
                summary.overdue += 1;
                c.overdue += 1;
            }
            RowStatus::NeverRotated => {
                summary.never_rotated += 1;
                c.never_rotated += 1;
            }
            RowStatus::Due => {
                summary.due += 1;
                c.due += 1;
            }
        }
        if r.waived() {
            summary.waived += 1;
            c.waived += 1;
        }
        if let Some((_, total)) = summary
            .by_blast_radius
            .iter_mut()
            .find(|(b, _)| *b == r.blast_radius)
        {
            total.overdue += c.overdue;
            total.due += c.due;
            total.never_rotated += c.never_rotated;
            total.waived += c.waived;
        }
        if r.blocking() {
            summary.blocking += 1;
        }
        match r.in_period {
            Some(true) => summary.due_in_period += 1,
            Some(false) => summary.carried_over += 1,
            None => {}
        }
    }
}

/// Computes the report.
pub fn build(
    repositories: &[Loaded],
    as_of: Date,
    period: Period,
    owners: &[String],
) -> Result<Report, Fatal> {
    check_owners(repositories, owners)?;
    let mut summary = Summary {
        by_blast_radius: RADII.map(|r| (r, Counts::default())),
        ..Summary::default()
    };
    let mut lists = Lists::default();
    for l in repositories {
        classify(l, as_of, &period, owners, &mut summary, &mut lists);
    }
    sort(&mut lists);
    tally(&lists.rows, &mut summary);
    summary.waivers_expiring = lists.waivers_expiring.len();
    // Most blocking findings first: where an organisation's attention goes.
    let mut checks: Vec<_> = repositories
        .iter()
        .filter_map(|l| l.check.clone())
        .collect();
    checks.sort_by(|a, b| {
        (b.blocking, b.errors, &a.repository).cmp(&(a.blocking, a.errors, &b.repository))
    });
    Ok(Report {
        as_of,
        period,
        owners: owners.to_vec(),
        sources: lists.sources,
        summary,
        rows: lists.rows,
        waivers_expiring: lists.waivers_expiring,
        others: lists.others,
        checks,
        evidence: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cadence::parse_date;
    use crate::inventory;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    fn report(text: &str, as_of: &str, period: Period) -> Report {
        let inventory = inventory::from_text("secrets-inventory.yaml", text).unwrap();
        let loaded = [Loaded::from_inventory(
            "r".into(),
            std::sync::Arc::new(inventory),
        )];
        build(&loaded, d(as_of), period, &[]).unwrap()
    }

    #[test]
    fn urgency_order_and_statuses() {
        let inv = "version: 1\ndefaults: {owner: t, cadence: 30d}\nsecrets:\n  - {name: LOW_OLD, blast_radius: low, last_rotated: 2026-01-01}\n  - {name: CRIT_NEW, blast_radius: critical, last_rotated: 2026-10-01}\n  - {name: CRIT_OLD, blast_radius: critical, last_rotated: 2026-09-01}\n  - {name: WAIVED, blast_radius: critical, last_rotated: 2026-01-01}\n  - {name: NEVER, blast_radius: high}\n  - {name: SOON, blast_radius: critical, last_rotated: 2026-10-31}\n  - {name: LATER, last_rotated: 2026-11-20}\n  - {name: OC, cadence: on-compromise}\nwaivers:\n  - {rule: rotation-overdue, secret: WAIVED, reason: r, expires: 2027-01-01}\n";
        let p = Period {
            start: d("2026-11-23"),
            end: d("2026-12-01"),
            quarter: None,
        };
        let r = report(inv, "2026-11-23", p);
        let names: Vec<&str> = r.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["CRIT_OLD", "CRIT_NEW", "LOW_OLD", "WAIVED", "NEVER", "SOON"]
        );
        assert_eq!(r.summary.overdue, 4);
        assert_eq!(r.summary.waived, 1);
        assert_eq!(r.summary.blocking, 3);
        assert_eq!(r.summary.never_rotated, 1);
        assert_eq!(r.summary.due, 1);
        assert_eq!(r.summary.later, 1);
        assert_eq!(r.summary.on_compromise, 1);
        assert_eq!(r.rows[5].days_text(), "7 days left");
        assert_eq!(r.rows[0].days_text(), "53 days overdue");
        let crit = r.summary.by_blast_radius[0].1;
        assert_eq!((crit.overdue, crit.due, crit.waived), (3, 1, 1));
    }

    #[test]
    fn the_last_day_of_the_calendar_is_a_valid_as_of_date() {
        let inv = "version: 1\ndefaults: {owner: t, cadence: 30d}\nsecrets:\n  - {name: A, last_rotated: 2026-01-01}\n  - {name: B}\n";
        let max = d("9999-12-31");
        let p = Period::window(max, 30);
        assert_eq!((p.start, p.end), (max, max));
        let r = report(inv, "9999-12-31", p);
        assert_eq!(r.summary.overdue, 1);
        assert_eq!(r.summary.never_rotated, 1);
    }
}
