//! `keyledger report`: the overdue-rotation report for a period (a quarter,
//! or an as-of date plus the `due_soon` window), over one or many
//! repositories, in Markdown, HTML, CSV or JSON.
//!
//! Three steps, one module each: [`load`] reads the inputs (inventories,
//! repository directories, `check --format json` outputs and folders of
//! them) into plain per-repository data; [`build`] computes the
//! [`model::Report`] once; every format (`markdown`, `html`, `csv`, `json`)
//! renders that same model and nothing else.
//!
//! Which secrets are listed: those overdue on the as-of date, those falling
//! due on or before the period's end, and those never rotated. Secrets that
//! rotate only on compromise, have no cadence, are not due before the period
//! ends, or whose `last_rotated` is after the as-of date are counted, not
//! listed.

pub mod build;
pub mod csv;
pub mod html;
pub mod json;
pub mod load;
pub mod markdown;
pub mod model;

use std::path::PathBuf;

use clap::ValueEnum;

pub use build::build;
pub use load::Loaded;
pub use model::*;

use crate::cadence::parse_date;
use crate::check::{self, Options};
use crate::diag::{Diag, ErrorCode, Fatal};

/// Arguments of `keyledger report` (parsed by clap in `main.rs`).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// What to report on, merged into one report with a repository column:
    /// repository directories, inventory files, `keyledger check --format
    /// json` outputs and folders of them (default: the current directory).
    #[arg(value_name = "PATH")]
    pub inputs: Vec<PathBuf>,
    /// The same as giving DIR as a PATH (kept for scripts written before
    /// `report` took the root as an argument).
    #[arg(long, value_name = "DIR")]
    pub root: Vec<PathBuf>,
    /// Report as of this date (YYYY-MM-DD; default today, or the quarter's
    /// last day with --quarter); without --quarter the period is the
    /// due_soon window that follows it (from the keyledger.toml of the first
    /// repository directory given).
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
    /// A store metadata export to show the stores' dates from; repeatable,
    /// `-` reads standard input. Adds to `evidence` in the first
    /// repository's keyledger.toml.
    #[arg(long, value_name = "FILE")]
    pub evidence: Vec<PathBuf>,
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

impl Report {
    pub fn exit_code(&self, fail_on: Option<FailOn>) -> u8 {
        match fail_on {
            Some(FailOn::Overdue) if self.summary.blocking > 0 => 1,
            _ => 0,
        }
    }
}

/// Parses `YYYY-Qn` (`q` accepted) into the quarter's first and last days.
pub fn parse_quarter(s: &str) -> Result<Period, String> {
    Period::quarter(s)
}

/// What `keyledger report` prints, its exit code, and notes for stderr.
#[derive(Debug)]
pub struct Output {
    pub text: String,
    pub exit_code: u8,
    /// What was not read, and why (symbolic links in folders of outputs).
    pub notes: Vec<String>,
}

fn usage(msg: String) -> Fatal {
    Diag::plain(ErrorCode::Usage, msg).into()
}

/// Runs `keyledger report`.
pub fn run(args: &Args) -> Result<Output, Fatal> {
    for dir in &args.root {
        if !dir.is_dir() {
            return Err(usage(format!("{} is not a directory", dir.display())));
        }
    }
    let as_of = match &args.as_of {
        Some(s) => Some(parse_date(s).map_err(|e| usage(format!("--as-of: {e}")))?),
        None => None,
    };
    let quarter = match &args.quarter {
        Some(q) => Some(Period::quarter(q).map_err(|e| usage(format!("--quarter: {e}")))?),
        None => None,
    };
    let mut inputs = args.inputs.clone();
    inputs.extend(args.root.iter().cloned());
    let loaded = load::load(&inputs)?;
    let (as_of, period) = match quarter {
        Some(p) => (as_of.unwrap_or(p.end), p),
        None => {
            let as_of = as_of.unwrap_or_else(check::today);
            let config = check::load_config(&Options {
                root: loaded.config_root.clone(),
                ..Options::default()
            })?;
            (as_of, Period::window(as_of, config.due_soon_days()))
        }
    };
    let mut report = build(&loaded.repositories, as_of, period, &args.owner)?;
    crate::evidence::annotate_report(
        &mut report,
        &loaded.repositories,
        &args.evidence,
        &loaded.config_root,
    )?;
    let text = match args.format {
        Format::Markdown => markdown::render(&report),
        Format::Html => html::render(&report),
        Format::Csv => csv::render(&report),
        Format::Json => json::render(&report),
    };
    Ok(Output {
        text,
        exit_code: report.exit_code(args.fail_on),
        notes: loaded.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> jiff::civil::Date {
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
        let p = parse_quarter("9999-Q4").unwrap();
        assert_eq!(p.end, d("9999-12-31"));
        for bad in [
            "2026-Q5", "2026-Q0", "2026-Q", "2026Q4", "26-Q4", "2026-Q44", "Q4-2026", "", "2026-4",
        ] {
            assert!(parse_quarter(bad).is_err(), "{bad} should be rejected");
        }
    }
}
