//! Rotation arithmetic, shared by the rotation rules and the report:
//! `last_rotated + cadence` against an as-of date.

use jiff::civil::Date;

use crate::cadence::Cadence;
use crate::inventory::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// No cadence declared: nothing to compute (a policy may require one).
    NoCadence,
    /// `on-compromise`: never due by date.
    OnCompromise,
    /// Never rotated: no `last_rotated`.
    Never,
    /// `last_rotated` is after the as-of date.
    InFuture {
        last: Date,
    },
    /// Past due by `days` days.
    Overdue {
        due: Date,
        days: i64,
    },
    /// Due within the window, `days` days left (0 = due today).
    DueSoon {
        due: Date,
        days: i64,
    },
    Ok {
        due: Date,
        days: i64,
    },
}

impl Status {
    pub fn due(&self) -> Option<Date> {
        match *self {
            Status::Overdue { due, .. } | Status::DueSoon { due, .. } | Status::Ok { due, .. } => {
                Some(due)
            }
            _ => None,
        }
    }
}

/// Days from `a` to `b` (positive when `b` is later).
pub fn days_between(a: Date, b: Date) -> i64 {
    a.until((jiff::Unit::Day, b))
        .map_or(0, |s| i64::from(s.get_days()))
}

/// The rotation status of a secret as of a date, with a due-soon window.
pub fn status(secret: &Secret, as_of: Date, window_days: i64) -> Status {
    status_of(
        secret.cadence.as_ref().map(|c| &c.value),
        secret.last_rotated.as_ref().map(|d| d.value),
        as_of,
        window_days,
    )
}

/// [`status`] from a cadence and a last rotation date (the report reads
/// them from check outputs as well as from inventories).
pub fn status_of(
    cadence: Option<&Cadence>,
    last_rotated: Option<Date>,
    as_of: Date,
    window_days: i64,
) -> Status {
    let Some(cadence) = cadence else {
        return Status::NoCadence;
    };
    if *cadence == Cadence::OnCompromise {
        return Status::OnCompromise;
    }
    let Some(last) = last_rotated else {
        return Status::Never;
    };
    if last > as_of {
        return Status::InFuture { last };
    }
    let Some(due) = cadence.due_after(last) else {
        return Status::NoCadence;
    };
    let left = days_between(as_of, due);
    if left < 0 {
        Status::Overdue { due, days: -left }
    } else if left <= window_days {
        Status::DueSoon { due, days: left }
    } else {
        Status::Ok { due, days: left }
    }
}

pub fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days() {
        let d = |s: &str| crate::cadence::parse_date(s).unwrap();
        assert_eq!(days_between(d("2026-11-23"), d("2027-01-05")), 43);
        assert_eq!(days_between(d("2026-11-23"), d("2026-11-01")), -22);
        assert_eq!(days_between(d("2024-01-01"), d("2025-01-01")), 366);
    }
}
