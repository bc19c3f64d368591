//! What a report shows: the [`Report`] every format renders, and the
//! [`Period`] it covers. Plain data with the small questions renderers ask
//! of it (is a row waived, how many days are left, which secrets were left
//! out and why); no formatting markup lives here.

use jiff::civil::Date;

use crate::inventory::BlastRadius;
use crate::rotation;

/// The dates a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub start: Date,
    pub end: Date,
    /// `2026-Q4` when the period is a quarter.
    pub quarter: Option<String>,
}

impl Period {
    /// "2026-Q4" or "2026-11-23 to 2026-12-23".
    pub fn label(&self) -> String {
        match &self.quarter {
            Some(q) => q.clone(),
            None => format!("{} to {}", self.start, self.end),
        }
    }
    pub fn contains(&self, d: Date) -> bool {
        self.start <= d && d <= self.end
    }

    /// From `as_of` over a window of `days`; a window that would run past
    /// the last date the calendar supports (9999-12-31) ends there.
    pub fn window(as_of: Date, days: i64) -> Period {
        let end = as_of
            .checked_add(jiff::Span::new().days(days.max(0)))
            .unwrap_or(Date::MAX);
        Period {
            start: as_of,
            end,
            quarter: None,
        }
    }

    /// Parses `YYYY-Qn` (`q` accepted) into the quarter's first and last days.
    pub fn quarter(s: &str) -> Result<Period, String> {
        let t = s.trim();
        let bad =
            || format!("invalid quarter `{t}`: expected YYYY-Qn with n from 1 to 4, as in 2026-Q4");
        let (year, q) = t.split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n = q
            .strip_prefix('Q')
            .or_else(|| q.strip_prefix('q'))
            .ok_or_else(bad)?;
        let n: i8 = match n {
            "1" => 1,
            "2" => 2,
            "3" => 3,
            "4" => 4,
            _ => return Err(bad()),
        };
        let year: i16 = year.parse().map_err(|_| bad())?;
        let start = Date::new(year, (n - 1) * 3 + 1, 1).map_err(|_| bad())?;
        let end = Date::new(year, n * 3, 1)
            .map_err(|_| bad())?
            .last_of_month();
        Ok(Period {
            start,
            end,
            quarter: Some(format!("{year:04}-Q{n}")),
        })
    }
}

/// Where a listed secret stands on the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RowStatus {
    /// Past due on the as-of date.
    Overdue,
    /// Has a cadence but no `last_rotated`.
    NeverRotated,
    /// Not yet due on the as-of date, due by the period's end.
    Due,
}

impl RowStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RowStatus::Overdue => "overdue",
            RowStatus::NeverRotated => "never-rotated",
            RowStatus::Due => "due",
        }
    }
    /// For people: "overdue", "never rotated", "due".
    pub fn label(&self) -> &'static str {
        match self {
            RowStatus::Overdue => "overdue",
            RowStatus::NeverRotated => "never rotated",
            RowStatus::Due => "due",
        }
    }
    /// The rotation rule whose waiver covers this status.
    pub fn rule(&self) -> &'static str {
        match self {
            RowStatus::Overdue => "rotation-overdue",
            RowStatus::NeverRotated => "never-rotated",
            RowStatus::Due => "rotation-due-soon",
        }
    }
}

/// The waiver shown on a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowWaiver {
    pub rule: String,
    pub reason: String,
    pub expires: Date,
    /// Not expired on the as-of date: the secret is waived.
    pub active: bool,
}

/// One listed secret.
#[derive(Debug, Clone)]
pub struct Row {
    pub repository: String,
    /// The inventory file as shown in diagnostics.
    pub inventory: String,
    /// Line of the secret's `name`.
    pub line: usize,
    pub name: String,
    pub owner: Option<String>,
    pub status: RowStatus,
    pub blast_radius: Option<BlastRadius>,
    pub store_kind: Option<String>,
    pub store_ref: Option<String>,
    pub cadence: Option<String>,
    pub last_rotated: Option<Date>,
    pub due: Option<Date>,
    /// Days from the as-of date to the due date: negative when overdue.
    pub days: Option<i64>,
    /// The due date falls within the period (false: it fell due before).
    pub in_period: Option<bool>,
    pub rotate_with: Vec<String>,
    pub runbook: Option<String>,
    pub waiver: Option<RowWaiver>,
    /// What the store exports say, when evidence was given.
    pub evidence: Option<crate::evidence::RowEvidence>,
}

impl Row {
    pub fn waived(&self) -> bool {
        self.waiver.as_ref().is_some_and(|w| w.active)
    }
    pub fn days_overdue(&self) -> Option<i64> {
        self.days.filter(|d| *d < 0).map(|d| -d)
    }
    pub fn days_left(&self) -> Option<i64> {
        self.days.filter(|d| *d >= 0)
    }
    /// Blocks `--fail-on overdue`.
    pub fn blocking(&self) -> bool {
        self.status == RowStatus::Overdue && !self.waived()
    }
    /// "34 days overdue", "9 days left", "due today", "" for never rotated.
    pub fn days_text(&self) -> String {
        match self.days {
            Some(d) if d < 0 => format!("{} overdue", rotation::plural(-d, "day")),
            Some(0) => "due today".into(),
            Some(d) => format!("{} left", rotation::plural(d, "day")),
            None => String::new(),
        }
    }
    pub fn owner_label(&self) -> &str {
        self.owner.as_deref().unwrap_or(NO_OWNER)
    }
}

pub const NO_OWNER: &str = "(no owner)";

/// A waiver whose expiry falls within the period.
#[derive(Debug, Clone)]
pub struct ExpiringWaiver {
    pub repository: String,
    pub inventory: String,
    pub line: usize,
    pub rule: String,
    pub secret: Option<String>,
    pub owner: Option<String>,
    pub reason: String,
    pub expires: Date,
    /// Days from the as-of date to the expiry (negative: already expired).
    pub days: i64,
}

impl ExpiringWaiver {
    /// "2026-11-30 (expired)", "2026-12-15 (in 22 days)".
    pub fn expiry_text(&self) -> String {
        match self.days {
            d if d < 0 => format!("{} (expired)", self.expires),
            0 => format!("{} (today)", self.expires),
            d => format!("{} (in {})", self.expires, rotation::plural(d, "day")),
        }
    }
}

/// Why a secret is not listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotListed {
    /// Due after the period's end.
    Later,
    OnCompromise,
    NoCadence,
    /// `last_rotated` is after the as-of date (`keyledger check` reports it).
    LastRotatedInFuture,
}

impl NotListed {
    pub fn as_str(&self) -> &'static str {
        match self {
            NotListed::Later => "later",
            NotListed::OnCompromise => "on-compromise",
            NotListed::NoCadence => "no-cadence",
            NotListed::LastRotatedInFuture => "last-rotated-in-future",
        }
    }
    /// For people: "due 2027-01-05", "rotated only on compromise", ...
    pub fn describe(&self, due: Option<Date>) -> String {
        match (self, due) {
            (NotListed::Later, Some(d)) => format!("due {d}"),
            (NotListed::Later, None) => "due later".into(),
            (NotListed::OnCompromise, _) => "rotated only on compromise".into(),
            (NotListed::NoCadence, _) => "no cadence declared".into(),
            (NotListed::LastRotatedInFuture, _) => "last_rotated after the as-of date".into(),
        }
    }
}

/// A secret that is not listed: not due by date in the period.
#[derive(Debug, Clone)]
pub struct Other {
    pub repository: String,
    pub inventory: String,
    pub line: usize,
    pub name: String,
    pub owner: Option<String>,
    pub blast_radius: Option<BlastRadius>,
    pub cadence: Option<String>,
    pub last_rotated: Option<Date>,
    pub reason: NotListed,
    /// The next due date, for `Later`.
    pub due: Option<Date>,
}

/// One inventory in the report.
#[derive(Debug, Clone)]
pub struct Source {
    pub repository: String,
    /// The inventory file as shown; `None` for a content-only check output.
    pub inventory: Option<String>,
    /// Secrets counted (after `--owner`).
    pub secrets: usize,
}

/// A repository's `keyledger check --format json` result, merged into an
/// organisation's report: its counts as that run saw them.
#[derive(Debug, Clone, Default)]
pub struct CheckResult {
    pub repository: String,
    /// The JSON file it was read from, as given.
    pub path: String,
    /// The as-of date of that run.
    pub as_of: String,
    /// The inventory it checked; `None` for a content-only run.
    pub inventory: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// Waived, baselined or allowed inline.
    pub suppressed: usize,
    /// What made that run exit 1.
    pub blocking: usize,
    /// Unsuppressed findings per rule, most frequent first.
    pub by_rule: Vec<(String, usize)>,
}

/// Counts by blast radius.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub overdue: usize,
    pub due: usize,
    pub never_rotated: usize,
    pub waived: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Secrets in the inventories (after `--owner`).
    pub secrets: usize,
    pub listed: usize,
    /// Past due on the as-of date, waived ones included.
    pub overdue: usize,
    /// Listed rows whose due date fell before the period began.
    pub carried_over: usize,
    /// Due dates within the period (overdue on the as-of date or not).
    pub due_in_period: usize,
    /// Not yet due on the as-of date, due by the period's end.
    pub due: usize,
    pub never_rotated: usize,
    /// Rows covered by a waiver that has not expired on the as-of date.
    pub waived: usize,
    /// Overdue and not waived: what `--fail-on overdue` counts.
    pub blocking: usize,
    pub on_compromise: usize,
    pub no_cadence: usize,
    pub last_rotated_in_future: usize,
    /// Due after the period's end.
    pub later: usize,
    pub waivers_expiring: usize,
    /// critical, high, medium, low, unset.
    pub by_blast_radius: [(Option<BlastRadius>, Counts); 5],
}

impl Summary {
    /// What the report leaves out and why, for the sentence every format
    /// prints: the secrets due after the period always, the other reasons
    /// when they occur.
    pub fn not_listed(&self) -> Vec<(NotListed, usize)> {
        let mut v = vec![(NotListed::Later, self.later)];
        for (why, n) in [
            (NotListed::OnCompromise, self.on_compromise),
            (NotListed::NoCadence, self.no_cadence),
            (NotListed::LastRotatedInFuture, self.last_rotated_in_future),
        ] {
            if n > 0 {
                v.push((why, n));
            }
        }
        v
    }
}

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct Report {
    pub as_of: Date,
    pub period: Period,
    pub owners: Vec<String>,
    pub sources: Vec<Source>,
    pub summary: Summary,
    /// Most urgent first.
    pub rows: Vec<Row>,
    pub waivers_expiring: Vec<ExpiringWaiver>,
    /// The secrets not listed, next due date first.
    pub others: Vec<Other>,
    /// The check results merged in (`check --format json` inputs), most
    /// blocking findings first; empty when only inventories were given.
    pub checks: Vec<CheckResult>,
    /// Store exports were given: formats show the store's date.
    pub evidence: bool,
}

impl Report {
    /// More than one repository: formats show a repository column.
    pub fn multi(&self) -> bool {
        let mut names = self.sources.iter().map(|s| &s.repository);
        let first = names.next();
        names.any(|n| Some(n) != first)
    }

    /// Rows grouped by owner: groups in the order of their most urgent row,
    /// rows most urgent first.
    pub fn by_owner(&self) -> Vec<(&str, Vec<&Row>)> {
        let mut groups: Vec<(&str, Vec<&Row>)> = Vec::new();
        let mut index: std::collections::HashMap<&str, usize> = Default::default();
        for r in &self.rows {
            let owner = r.owner_label();
            match index.get(owner) {
                Some(&i) => groups[i].1.push(r),
                None => {
                    index.insert(owner, groups.len());
                    groups.push((owner, vec![r]));
                }
            }
        }
        groups
    }
}

/// "1 inventory", "2 inventories".
pub fn inventories(n: usize) -> String {
    if n == 1 {
        "1 inventory".into()
    } else {
        format!("{n} inventories")
    }
}
