//! `keyledger report`: the overdue-rotation report for a period (a quarter,
//! or an as-of date plus the `due_soon` window), over one or several
//! inventories, in Markdown, HTML, CSV or JSON.
//!
//! The model is computed once here ([`build`]) and every format renders the
//! same [`Report`]. Due dates and days come from [`crate::rotation::status`];
//! nothing here re-does cadence arithmetic.
//!
//! Which secrets are listed: those overdue on the as-of date, those falling
//! due on or before the period's end, and those never rotated. Secrets that
//! rotate only on compromise, have no cadence, are not due before the period
//! ends, or whose `last_rotated` is after the as-of date are counted, not
//! listed.

pub mod csv;
pub mod html;
pub mod json;
pub mod markdown;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use jiff::civil::Date;

use crate::cadence::parse_date;
use crate::check::{self, Options};
use crate::diag::{Diag, Fatal};
use crate::inventory::{self, BlastRadius, Inventory, Secret};
use crate::rotation::{self, Status};
use crate::schema::did_you_mean;

/// Arguments of `keyledger report` (parsed by clap in `main.rs`).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Inventory files or repository directories to report on, merged into
    /// one report with a repository column (default: the repository at
    /// --root).
    #[arg(value_name = "INVENTORY")]
    pub inventories: Vec<PathBuf>,
    /// The repository whose inventory is reported when no INVENTORY is
    /// given; its keyledger.toml also sets the due_soon window of --as-of.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Report as of this date (YYYY-MM-DD; default today, or the quarter's
    /// last day with --quarter); without --quarter the period is the
    /// due_soon window that follows it.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Report on a calendar quarter (2026-Q4): what is overdue on the as-of
    /// date and what falls due within the quarter.
    #[arg(long, value_name = "YYYY-Qn")]
    pub quarter: Option<String>,
    /// Only secrets of this owner (repeatable; case-insensitive).
    #[arg(long, value_name = "OWNER")]
    pub owner: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Exit 1 when a secret is overdue on the as-of date and not waived.
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Markdown,
    Html,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// An unwaived rotation overdue on the as-of date.
    Overdue,
}

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
}

/// Parses `YYYY-Qn` (`q` accepted) into the quarter's first and last days.
pub fn parse_quarter(s: &str) -> Result<Period, String> {
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
    pub inventory: String,
    /// Secrets counted (after `--owner`).
    pub secrets: usize,
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
        for r in &self.rows {
            match groups.iter_mut().find(|g| g.0 == r.owner_label()) {
                Some(g) => g.1.push(r),
                None => groups.push((r.owner_label(), vec![r])),
            }
        }
        groups
    }

    pub fn exit_code(&self, fail_on: Option<FailOn>) -> u8 {
        match fail_on {
            Some(FailOn::Overdue) if self.summary.blocking > 0 => 1,
            _ => 0,
        }
    }
}

/// What `keyledger report` prints, and its exit code.
#[derive(Debug)]
pub struct Output {
    pub text: String,
    pub exit_code: u8,
}

/// Runs `keyledger report`.
pub fn run(args: &Args) -> Result<Output, Fatal> {
    let root_opts = Options {
        root: args.root.clone(),
        ..Options::default()
    };
    if !args.root.is_dir() {
        return Err(usage(format!("{} is not a directory", args.root.display())));
    }
    let as_of = match &args.as_of {
        Some(s) => Some(parse_date(s).map_err(|e| usage(format!("--as-of: {e}")))?),
        None => None,
    };
    let (as_of, period) = match &args.quarter {
        Some(q) => {
            let p = parse_quarter(q).map_err(|e| usage(format!("--quarter: {e}")))?;
            (as_of.unwrap_or(p.end), p)
        }
        None => {
            let as_of = as_of.unwrap_or_else(check::today);
            let window = check::load_config(&root_opts)?.due_soon_days();
            let end = as_of
                .checked_add(jiff::Span::new().days(window))
                .map_err(|e| usage(format!("--as-of {as_of}: {e}")))?;
            (
                as_of,
                Period {
                    start: as_of,
                    end,
                    quarter: None,
                },
            )
        }
    };
    let inventories = load_inventories(args, &root_opts)?;
    let report = build(&inventories, as_of, period, &args.owner)?;
    let text = match args.format {
        Format::Markdown => markdown::render(&report),
        Format::Html => html::render(&report),
        Format::Csv => csv::render(&report),
        Format::Json => json::render(&report),
    };
    Ok(Output {
        text,
        exit_code: report.exit_code(args.fail_on),
    })
}

fn usage(msg: String) -> Fatal {
    Diag::plain("usage", msg).into()
}

/// An inventory with the repository it belongs to.
pub struct Loaded {
    pub repository: String,
    pub inventory: Inventory,
}

/// `path` as given, with `/` separators and no leading `./`.
fn shown(path: &Path) -> String {
    check::display_path(Path::new("."), path)
}

/// The name of a directory, from its canonical path when it has one.
fn dir_name(dir: &Path) -> Option<String> {
    let canon = std::fs::canonicalize(dir).ok()?;
    canon.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// Loads every inventory; all errors of all files are reported together.
/// A directory argument is a repository root (its keyledger.toml may name
/// the inventory); a file argument is an inventory, whose repository is the
/// directory holding it.
fn load_inventories(args: &Args, root_opts: &Options) -> Result<Vec<Loaded>, Fatal> {
    // (path, display, repository directory as given)
    let mut targets: Vec<(PathBuf, String, PathBuf)> = Vec::new();
    let mut errors = Vec::new();
    let add_repo =
        |opts: &Options, errors: &mut Vec<Diag>, targets: &mut Vec<_>| match check::load_config(
            opts,
        ) {
            Ok(config) => match check::inventory_path(opts, &config) {
                Ok((path, display)) => {
                    let display = if opts.root == Path::new(".") {
                        display
                    } else {
                        shown(&path)
                    };
                    targets.push((path, display, opts.root.clone()));
                }
                Err(Fatal(d)) => errors.extend(d),
            },
            Err(Fatal(d)) => errors.extend(d),
        };
    if args.inventories.is_empty() {
        add_repo(root_opts, &mut errors, &mut targets);
    }
    for arg in &args.inventories {
        if arg.is_dir() {
            let opts = Options {
                root: arg.clone(),
                ..Options::default()
            };
            add_repo(&opts, &mut errors, &mut targets);
        } else {
            let parent = match arg.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            targets.push((arg.clone(), shown(arg), parent));
        }
    }
    // The same file twice is reported once.
    let mut seen = BTreeSet::new();
    targets.retain(|(path, _, _)| {
        seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()))
    });

    let mut loaded = Vec::new();
    for (path, display, dir) in &targets {
        match inventory::load(path, display) {
            Ok(inv) => loaded.push((inv, dir)),
            Err(Fatal(d)) => errors.extend(d),
        }
    }
    if !errors.is_empty() {
        return Err(Fatal(errors));
    }

    // Repository names: the directory's name; where two differ only by
    // path, the directory as given.
    let names: Vec<String> = loaded
        .iter()
        .map(|(_, dir)| dir_name(dir).unwrap_or_else(|| shown(dir)))
        .collect();
    let out = loaded
        .into_iter()
        .enumerate()
        .map(|(i, (inventory, dir))| {
            let clash = names
                .iter()
                .enumerate()
                .any(|(j, n)| j != i && *n == names[i]);
            let repository = if clash { shown(dir) } else { names[i].clone() };
            Loaded {
                repository,
                inventory,
            }
        })
        .collect();
    Ok(out)
}

fn line_of(inv: &Inventory, offset: usize) -> usize {
    inv.source.line_col(offset).line
}

fn owner_matches(secret: &Secret, owners: &[String]) -> bool {
    owners.is_empty()
        || secret
            .owner
            .as_ref()
            .is_some_and(|o| owners.iter().any(|w| w.eq_ignore_ascii_case(&o.value)))
}

const RADII: [Option<BlastRadius>; 5] = [
    Some(BlastRadius::Critical),
    Some(BlastRadius::High),
    Some(BlastRadius::Medium),
    Some(BlastRadius::Low),
    None,
];

/// Computes the report. An `--owner` that owns nothing anywhere is a usage
/// error, so a typo cannot turn a gating job green.
pub fn build(
    inventories: &[Loaded],
    as_of: Date,
    period: Period,
    owners: &[String],
) -> Result<Report, Fatal> {
    let mut unknown = Vec::new();
    for o in owners {
        let known = inventories.iter().any(|l| {
            l.inventory.secrets.iter().any(|s| {
                s.owner
                    .as_ref()
                    .is_some_and(|x| x.value.eq_ignore_ascii_case(o))
            })
        });
        if !known {
            let all: BTreeSet<&str> = inventories
                .iter()
                .flat_map(|l| l.inventory.secrets.iter())
                .filter_map(|s| s.owner.as_ref().map(|o| o.value.as_str()))
                .collect();
            let d = Diag::plain("usage", format!("--owner: no secret is owned by `{o}`"));
            unknown.push(match did_you_mean(o, all.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!(
                    "owners in the inventories: {}",
                    all.into_iter().collect::<Vec<_>>().join(", ")
                )),
            });
        }
    }
    if !unknown.is_empty() {
        return Err(Fatal(unknown));
    }

    let window = rotation::days_between(as_of, period.end).max(0);
    let mut summary = Summary {
        by_blast_radius: RADII.map(|r| (r, Counts::default())),
        ..Summary::default()
    };
    let mut rows = Vec::new();
    let mut sources = Vec::new();
    let mut waivers_expiring = Vec::new();
    let mut others = Vec::new();
    for l in inventories {
        let inv = &l.inventory;
        let display = inv.source.name.clone();
        let mut count = 0;
        for s in inv.secrets.iter().filter(|s| owner_matches(s, owners)) {
            count += 1;
            let st = rotation::status(s, as_of, window);
            let other = |reason| Other {
                repository: l.repository.clone(),
                inventory: display.clone(),
                line: line_of(inv, s.name.span.start),
                name: s.name.value.clone(),
                owner: s.owner.as_ref().map(|o| o.value.clone()),
                blast_radius: s.blast_radius.as_ref().map(|b| b.value),
                cadence: s.cadence.as_ref().map(|c| c.value.to_string()),
                last_rotated: s.last_rotated.as_ref().map(|d| d.value),
                reason,
                due: st.due(),
            };
            let (status, due, days) = match st {
                Status::NoCadence => {
                    summary.no_cadence += 1;
                    others.push(other(NotListed::NoCadence));
                    continue;
                }
                Status::OnCompromise => {
                    summary.on_compromise += 1;
                    others.push(other(NotListed::OnCompromise));
                    continue;
                }
                Status::InFuture { .. } => {
                    summary.last_rotated_in_future += 1;
                    others.push(other(NotListed::LastRotatedInFuture));
                    continue;
                }
                Status::Ok { .. } => {
                    summary.later += 1;
                    others.push(other(NotListed::Later));
                    continue;
                }
                Status::Never => (RowStatus::NeverRotated, None, None),
                Status::Overdue { due, days } => (RowStatus::Overdue, Some(due), Some(-days)),
                Status::DueSoon { due, days } => (RowStatus::Due, Some(due), Some(days)),
            };
            let rule = status.rule();
            let waiver = inv
                .waivers
                .iter()
                .filter(|w| {
                    w.rule.value == rule
                        && w.secret.as_ref().is_none_or(|x| x.value == s.name.value)
                })
                .map(|w| RowWaiver {
                    rule: w.rule.value.clone(),
                    reason: w.reason.clone(),
                    expires: w.expires.value,
                    active: w.expires.value >= as_of,
                })
                .max_by_key(|w| (w.active, w.expires));
            rows.push(Row {
                repository: l.repository.clone(),
                inventory: display.clone(),
                line: line_of(inv, s.name.span.start),
                name: s.name.value.clone(),
                owner: s.owner.as_ref().map(|o| o.value.clone()),
                status,
                blast_radius: s.blast_radius.as_ref().map(|b| b.value),
                store_kind: s.store.as_ref().map(|x| x.kind.value.clone()),
                store_ref: s.store.as_ref().and_then(|x| x.reference.clone()),
                cadence: s.cadence.as_ref().map(|c| c.value.to_string()),
                last_rotated: s.last_rotated.as_ref().map(|d| d.value),
                due,
                days,
                in_period: due.map(|d| period.contains(d)),
                rotate_with: s.rotate_with.iter().map(|r| r.value.clone()).collect(),
                runbook: s.runbook.as_ref().map(|r| r.value.clone()),
                waiver,
            });
        }
        sources.push(Source {
            repository: l.repository.clone(),
            inventory: display.clone(),
            secrets: count,
        });
        summary.secrets += count;

        for w in &inv.waivers {
            if !period.contains(w.expires.value) {
                continue;
            }
            let secret = w
                .secret
                .as_ref()
                .and_then(|n| inv.secret(&n.value).map(|s| (n, s)));
            if !owners.is_empty() {
                match (&w.secret, &secret) {
                    (None, _) => {}
                    (Some(_), Some((_, s))) if owner_matches(s, owners) => {}
                    _ => continue,
                }
            }
            waivers_expiring.push(ExpiringWaiver {
                repository: l.repository.clone(),
                inventory: display.clone(),
                line: line_of(inv, w.span.start),
                rule: w.rule.value.clone(),
                secret: w.secret.as_ref().map(|n| n.value.clone()),
                owner: secret.and_then(|(_, s)| s.owner.as_ref().map(|o| o.value.clone())),
                reason: w.reason.clone(),
                expires: w.expires.value,
                days: rotation::days_between(as_of, w.expires.value),
            });
        }
    }

    rows.sort_by(|a, b| {
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
    others.sort_by(|a, b| {
        (a.due.is_none(), a.due, &a.repository, &a.name).cmp(&(
            b.due.is_none(),
            b.due,
            &b.repository,
            &b.name,
        ))
    });
    waivers_expiring.sort_by(|a, b| {
        (a.expires, &a.repository, &a.secret, &a.rule).cmp(&(
            b.expires,
            &b.repository,
            &b.secret,
            &b.rule,
        ))
    });

    for r in &rows {
        summary.listed += 1;
        let c = summary
            .by_blast_radius
            .iter_mut()
            .find(|(b, _)| *b == r.blast_radius)
            .map(|(_, c)| c);
        let mut dummy = Counts::default();
        let c = c.unwrap_or(&mut dummy);
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
        if r.blocking() {
            summary.blocking += 1;
        }
        match r.in_period {
            Some(true) => summary.due_in_period += 1,
            Some(false) => summary.carried_over += 1,
            None => {}
        }
    }
    summary.waivers_expiring = waivers_expiring.len();

    Ok(Report {
        as_of,
        period,
        owners: owners.to_vec(),
        sources,
        summary,
        rows,
        waivers_expiring,
        others,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    #[test]
    fn quarters() {
        let p = parse_quarter("2026-Q4").unwrap();
        assert_eq!((p.start, p.end), (d("2026-10-01"), d("2026-12-31")));
        assert_eq!(p.quarter.as_deref(), Some("2026-Q4"));
        let p = parse_quarter("2024-q1").unwrap();
        assert_eq!((p.start, p.end), (d("2024-01-01"), d("2024-03-31")));
        let p = parse_quarter("2026-Q2").unwrap();
        assert_eq!((p.start, p.end), (d("2026-04-01"), d("2026-06-30")));
        let p = parse_quarter("2026-Q3").unwrap();
        assert_eq!((p.start, p.end), (d("2026-07-01"), d("2026-09-30")));
        for bad in [
            "2026-Q5", "2026-Q0", "2026-Q", "2026Q4", "26-Q4", "2026-Q44", "Q4-2026", "", "2026-4",
        ] {
            assert!(parse_quarter(bad).is_err(), "{bad} should be rejected");
        }
    }

    fn report(text: &str, as_of: &str, period: Period) -> Report {
        let inventory = inventory::from_text("secrets-inventory.yaml", text).unwrap();
        let loaded = [Loaded {
            repository: "r".into(),
            inventory,
        }];
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
    }
}
