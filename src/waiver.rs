//! Waiver stage: inventory waivers suppress matching findings until they
//! expire. Waived findings stay in the output, marked as waived.

use jiff::civil::Date;

use crate::config::Config;
use crate::finding::{Finding, Suppression};
use crate::inventory::Inventory;
use crate::rules::{unused_waiver, waiver_expired};

pub fn apply(inv: &Inventory, config: &Config, as_of: Date, findings: &mut Vec<Finding>) {
    let mut extra = Vec::new();
    for w in &inv.waivers {
        if w.expires.value < as_of {
            if let Some(sev) =
                config.severity(waiver_expired::RULE.id, waiver_expired::RULE.severity)
            {
                let mut f = Finding::new(
                    waiver_expired::RULE.id,
                    sev,
                    &inv.source,
                    w.expires.span,
                    format!(
                        "waiver of `{}`{} expired on {}; it no longer applies",
                        w.rule.value,
                        w.secret.as_ref().map(|s| format!(" for `{}`", s.value)).unwrap_or_default(),
                        w.expires.value
                    ),
                )
                .label("expired")
                .key(format!("{}:{}", w.rule.value, w.expires.value))
                .help("fix what it covered and delete the waiver, or renew it with a new reason and date");
                if let Some(s) = &w.secret {
                    f = f.secret(&s.value);
                }
                extra.push(f);
            }
            continue;
        }
        let mut used = false;
        for f in findings.iter_mut() {
            let secret_ok = match &w.secret {
                Some(s) => f.secret.as_deref() == Some(s.value.as_str()),
                None => true,
            };
            if f.rule == w.rule.value && secret_ok && f.suppressed.is_none() {
                f.suppressed = Some(Suppression::Waiver {
                    reason: w.reason.clone(),
                    expires: w.expires.value.to_string(),
                });
                used = true;
            }
        }
        if !used
            && let Some(sev) = config.severity(unused_waiver::RULE.id, unused_waiver::RULE.severity)
        {
            let mut f = Finding::new(
                unused_waiver::RULE.id,
                sev,
                &inv.source,
                w.rule.span,
                format!(
                    "waiver of `{}`{} matches no finding",
                    w.rule.value,
                    w.secret
                        .as_ref()
                        .map(|s| format!(" for `{}`", s.value))
                        .unwrap_or_default()
                ),
            )
            .label("waives nothing")
            .key(w.rule.value.clone())
            .help("delete the waiver");
            if let Some(s) = &w.secret {
                f = f.secret(&s.value);
            }
            extra.push(f);
        }
    }
    findings.extend(extra);
}
