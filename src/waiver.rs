//! Waiver stage: inventory waivers suppress matching findings until they
//! expire. Waived findings stay in the output, marked as waived. Expired
//! waivers (reported by `waiver-expired`) no longer apply; a waiver that
//! matches nothing is reported by `unused-waiver`.

use jiff::civil::Date;

use crate::finding::Suppression;
use crate::inventory::Inventory;
use crate::rules::{Sink, unused_waiver};

pub fn apply(inv: &Inventory, as_of: Date, sink: &mut Sink) {
    let mut unused = Vec::new();
    for w in inv.waivers.iter().filter(|w| w.expires.value >= as_of) {
        let mut used = false;
        for f in sink.findings_mut() {
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
        if !used {
            unused.push(w);
        }
    }
    if sink.enabled(unused_waiver::RULE.id) {
        for w in unused {
            sink.emit(unused_waiver::check(&inv.source, w));
        }
    }
}
