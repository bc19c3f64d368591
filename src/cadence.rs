//! Rotation cadences: `Nd`, `Nw`, `monthly`, `quarterly`, `yearly`,
//! ISO-8601 durations (`P90D`, `P2W`, `P3M`, `P1Y`, `P1Y6M`) and
//! `on-compromise`.
//!
//! Due dates use calendar arithmetic (`2026-01-31 + monthly` is
//! `2026-02-28`). Comparing cadences (a policy's `max_cadence`) uses nominal
//! lengths: a month is 30 days, a quarter 90 and a year 365, so that
//! `quarterly` satisfies `max_cadence: 90d` as people mean it.

use std::fmt;

use jiff::civil::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// A fixed period.
    Every { years: u32, months: u32, days: u32 },
    /// Rotated only when compromised: never overdue by date.
    OnCompromise,
}

impl Cadence {
    pub fn parse(s: &str) -> Result<Cadence, String> {
        let t = s.trim();
        let every = |years, months, days| Cadence::Every {
            years,
            months,
            days,
        };
        let c = match t {
            "on-compromise" => return Ok(Cadence::OnCompromise),
            "daily" => every(0, 0, 1),
            "weekly" => every(0, 0, 7),
            "monthly" => every(0, 1, 0),
            "quarterly" => every(0, 3, 0),
            "yearly" | "annually" => every(1, 0, 0),
            _ => {
                if let Some(iso) = t.strip_prefix('P') {
                    parse_iso(iso).ok_or_else(|| invalid(t))?
                } else {
                    let (num, unit) = t.split_at(t.len().saturating_sub(1));
                    let n: u32 = num.parse().map_err(|_| invalid(t))?;
                    match unit {
                        "d" => every(0, 0, n),
                        "w" => every(0, 0, n.checked_mul(7).ok_or_else(|| invalid(t))?),
                        "m" => every(0, n, 0),
                        "y" => every(n, 0, 0),
                        _ => return Err(invalid(t)),
                    }
                }
            }
        };
        match c {
            Cadence::Every {
                years: 0,
                months: 0,
                days: 0,
            } => Err(format!(
                "cadence `{t}` is zero; rotation needs a positive period"
            )),
            Cadence::Every { years, .. } if years > 100 => {
                Err(format!("cadence `{t}` is longer than 100 years"))
            }
            Cadence::Every { days, .. } if days > 36_500 => {
                Err(format!("cadence `{t}` is longer than 100 years"))
            }
            c => Ok(c),
        }
    }

    /// Nominal length in days, for comparing cadences. `None` for
    /// `on-compromise`, which is longer than any period.
    pub fn nominal_days(&self) -> Option<u64> {
        match *self {
            Cadence::Every {
                years,
                months,
                days,
            } => Some(u64::from(years) * 365 + u64::from(months) * 30 + u64::from(days)),
            Cadence::OnCompromise => None,
        }
    }

    /// The date a rotation done on `from` falls due.
    pub fn due_after(&self, from: Date) -> Option<Date> {
        match *self {
            Cadence::Every {
                years,
                months,
                days,
            } => {
                let span = jiff::Span::new()
                    .try_years(i64::from(years))
                    .ok()?
                    .try_months(i64::from(months))
                    .ok()?
                    .try_days(i64::from(days))
                    .ok()?;
                from.checked_add(span).ok()
            }
            Cadence::OnCompromise => None,
        }
    }
}

fn invalid(t: &str) -> String {
    format!(
        "invalid cadence `{t}`: expected Nd, Nw, monthly, quarterly, yearly, an ISO-8601 duration such as P90D, or on-compromise"
    )
}

/// `90D`, `2W`, `3M`, `1Y`, `1Y6M`: the part after `P`; no time part.
fn parse_iso(s: &str) -> Option<Cadence> {
    let (mut years, mut months, mut days) = (0u32, 0u32, 0u32);
    let mut num = String::new();
    let mut seen_any = false;
    let mut last_rank = 0;
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            num.push(ch);
            continue;
        }
        let n: u32 = num.parse().ok()?;
        num.clear();
        let rank = match ch {
            'Y' => 1,
            'M' => 2,
            'W' => 3,
            'D' => 4,
            _ => return None,
        };
        if rank <= last_rank {
            return None;
        }
        last_rank = rank;
        match ch {
            'Y' => years = n,
            'M' => months = n,
            'W' => days = days.checked_add(n.checked_mul(7)?)?,
            'D' => days = days.checked_add(n)?,
            _ => return None,
        }
        seen_any = true;
    }
    if !num.is_empty() || !seen_any {
        return None;
    }
    Some(Cadence::Every {
        years,
        months,
        days,
    })
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Cadence::OnCompromise => f.write_str("on-compromise"),
            Cadence::Every {
                years: 0,
                months: 0,
                days,
            } => write!(f, "{days}d"),
            Cadence::Every {
                years: 0,
                months: 1,
                days: 0,
            } => f.write_str("monthly"),
            Cadence::Every {
                years: 0,
                months: 3,
                days: 0,
            } => f.write_str("quarterly"),
            Cadence::Every {
                years: 1,
                months: 0,
                days: 0,
            } => f.write_str("yearly"),
            Cadence::Every {
                years,
                months,
                days,
            } => {
                f.write_str("P")?;
                if years > 0 {
                    write!(f, "{years}Y")?;
                }
                if months > 0 {
                    write!(f, "{months}M")?;
                }
                if days > 0 {
                    write!(f, "{days}D")?;
                }
                Ok(())
            }
        }
    }
}

/// Parses a `YYYY-MM-DD` calendar date.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let t = s.trim();
    let ok_shape = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !ok_shape {
        return Err(format!("invalid date `{t}`: expected YYYY-MM-DD"));
    }
    t.parse::<Date>()
        .map_err(|e| format!("invalid date `{t}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    #[test]
    fn grammar() {
        assert_eq!(Cadence::parse("90d").unwrap().nominal_days(), Some(90));
        assert_eq!(Cadence::parse("2w").unwrap().nominal_days(), Some(14));
        assert_eq!(
            Cadence::parse("quarterly").unwrap().nominal_days(),
            Some(90)
        );
        assert_eq!(Cadence::parse("monthly").unwrap().nominal_days(), Some(30));
        assert_eq!(Cadence::parse("yearly").unwrap().nominal_days(), Some(365));
        assert_eq!(Cadence::parse("P90D").unwrap().nominal_days(), Some(90));
        assert_eq!(Cadence::parse("P3M").unwrap().nominal_days(), Some(90));
        assert_eq!(Cadence::parse("P1Y").unwrap().nominal_days(), Some(365));
        assert_eq!(Cadence::parse("P2W").unwrap().nominal_days(), Some(14));
        assert_eq!(Cadence::parse("P1Y6M").unwrap().nominal_days(), Some(545));
        assert_eq!(
            Cadence::parse("on-compromise").unwrap(),
            Cadence::OnCompromise
        );
        for bad in [
            "",
            "0d",
            "90",
            "d",
            "P",
            "PD",
            "P1H",
            "P3M1Y",
            "fortnightly",
            "-5d",
            "P0D",
            "99999999999d",
        ] {
            assert!(Cadence::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn due_dates_use_the_calendar() {
        let q = Cadence::parse("quarterly").unwrap();
        assert_eq!(q.due_after(d("2026-08-01")), Some(d("2026-11-01")));
        let m = Cadence::parse("monthly").unwrap();
        assert_eq!(m.due_after(d("2026-01-31")), Some(d("2026-02-28")));
        let n = Cadence::parse("90d").unwrap();
        assert_eq!(n.due_after(d("2026-08-01")), Some(d("2026-10-30")));
        assert_eq!(Cadence::OnCompromise.due_after(d("2026-08-01")), None);
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "90d",
            "monthly",
            "quarterly",
            "yearly",
            "P1Y6M",
            "on-compromise",
        ] {
            let c = Cadence::parse(s).unwrap();
            assert_eq!(Cadence::parse(&c.to_string()).unwrap(), c);
        }
    }

    #[test]
    fn dates() {
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("2026-2-3").is_err());
        assert!(parse_date("tomorrow").is_err());
        assert_eq!(
            parse_date("2024-02-29").unwrap(),
            Date::constant(2024, 2, 29)
        );
    }
}
