use super::{Ctx, Kind, Rule};
use crate::evidence::{Checked, Id, Item, Version, as_of_instant, escape};
use crate::finding::{Finding, Severity};
use crate::rotation::plural;

/// Runs when evidence is given (`--evidence`, `evidence` in the config).
pub const RULE: Rule = Rule {
    id: "stale-key-version-enabled",
    severity: Severity::Warning,
    default_on: true,
    kind: Kind::Inventory(check),
    summary: "an old key or secret version still enabled past the soak window after a newer one (with `--evidence`); disabled versions kept past retention are notes",
    doc: r#"## What it does
For exports that list versions (`az keyvault key list-versions` and
`secret list-versions`, `gcloud secrets versions list`, `vault kv metadata
get`), finds the current version (the newest enabled one) and reports every
older version still enabled (Vault: neither deleted nor destroyed) once the
current version is older than the soak window (`evidence_soak`, default
`24h`), measured to the start of the as-of day (UTC). Disabled (or
soft-deleted) versions kept longer than `evidence_retention` (default
`30d`) are reported as notes; where the store does not record when a
version was disabled (GCP), the time since it was superseded counts. A
`[rules]` override sets the severity of both.

## Why it matters
Envelope-key rotation runbooks create a new key version, re-wrap the data
keys during a soak period, then disable the old version. An old master key
version left enabled still decrypts everything it ever wrapped: the
rotation bought nothing.

## Example
❌ `payments-mek` version `0a1b…` created 2026-10-01 is current; version
`9f8e…` is still `enabled: true` on 2026-11-23.
✅ The old version disabled after re-wrapping, and destroyed after
the retention period.

## How to fix
Finish the runbook: re-wrap, then disable the old version (`az keyvault
key set-attributes --version V --enabled false`, `gcloud secrets versions
disable V`, `vault kv delete -versions=N`); destroy disabled versions after
retention (`gcloud secrets versions destroy`, `vault kv destroy`). If data
still needs the old version, waive the rule for the secret with a reason.
"#,
};

/// The command that finishes the job, with the item's own names.
fn disable_hint(it: &Item, v: &Version) -> String {
    match &it.id {
        Id::Azure { vault, name, .. } => format!(
            "after re-wrapping, disable it: az keyvault key set-attributes --vault-name {} --name {} --version {} --enabled false",
            escape(vault.split('.').next().unwrap_or(vault)),
            escape(name),
            v.id
        ),
        Id::Gcp { project, name, .. } => format!(
            "after re-wrapping, disable it: gcloud secrets versions disable {} --secret {} --project {}",
            v.id,
            escape(name),
            escape(project)
        ),
        Id::Vault { path } => {
            let (mount, rest) = path.split_once('/').unwrap_or(("secret", path));
            format!(
                "delete it once nothing reads it: vault kv delete -mount={} -versions={} {}",
                escape(mount),
                v.id,
                escape(rest)
            )
        }
        _ => "disable the old version once nothing uses it".into(),
    }
}

fn destroy_hint(it: &Item, v: &Version) -> String {
    match &it.id {
        Id::Gcp { project, name, .. } => format!(
            "destroy it: gcloud secrets versions destroy {} --secret {} --project {}",
            v.id,
            escape(name),
            escape(project)
        ),
        Id::Vault { path } => {
            let (mount, rest) = path.split_once('/').unwrap_or(("secret", path));
            format!(
                "destroy it: vault kv destroy -mount={} -versions={} {}",
                escape(mount),
                v.id,
                escape(rest)
            )
        }
        Id::Azure { .. } => "Key Vault keeps a version until the whole key is purged: record the retention decision with a waiver, or rotate into a new key".into(),
        _ => "destroy it once retention has passed".into(),
    }
}

pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
    if let Some(c) = ctx.evidence {
        run(ctx, c, out);
    }
}

fn run(ctx: &Ctx<'_>, c: &Checked<'_>, out: &mut Vec<Finding>) {
    let now = as_of_instant(ctx.as_of);
    let soak = c.settings.soak;
    let retention = c.settings.retention;
    for (i, it) in c.evidence.items.iter().enumerate() {
        let mut vs: Vec<&Version> = it.versions.iter().filter(|v| v.created <= now).collect();
        if vs.len() < 2 {
            continue;
        }
        vs.sort_by_key(|v| v.created);
        let owner = c.owner_of(ctx.inventory, i).map(|s| s.name.value.clone());
        let Some(current) = vs.iter().rev().find(|v| v.enabled).copied() else {
            continue;
        };
        let soak_end = current
            .created
            .checked_add(soak.span())
            .unwrap_or(current.created);
        for v in vs
            .iter()
            .filter(|v| v.enabled && v.created < current.created)
        {
            if now <= soak_end {
                continue;
            }
            let days = whole_days(current.created, now);
            out.push(finding(
                it,
                v,
                Severity::Warning,
                format!(
                    "{} `{}` version `{}` is still enabled {} after version `{}` replaced it on {} (soak window {soak})",
                    noun(it),
                    it.id.display(),
                    v.id,
                    plural(days, "day"),
                    current.id,
                    date(current.created)
                ),
                "still enabled",
                &disable_hint(it, v),
                owner.as_deref(),
            ));
        }
        for (k, v) in vs.iter().enumerate() {
            if v.enabled || v.destroyed {
                continue;
            }
            // When it left service: when the store says it was disabled,
            // else when a newer version superseded it.
            let since = v.disabled_at.or_else(|| vs.get(k + 1).map(|n| n.created));
            let Some(since) = since.filter(|s| *s <= now) else {
                continue;
            };
            let kept = whole_days(since, now);
            if kept * 24 <= retention.hours {
                continue;
            }
            out.push(finding(
                it,
                v,
                Severity::Note,
                format!(
                    "{} `{}` version `{}` has been disabled since {} ({}), past the retention window ({retention})",
                    noun(it),
                    it.id.display(),
                    v.id,
                    date(since),
                    plural(kept, "day")
                ),
                "disabled, kept",
                &destroy_hint(it, v),
                owner.as_deref(),
            ));
        }
    }
}

fn noun(it: &Item) -> &'static str {
    match it.id {
        crate::evidence::Id::Azure { key: true, .. } => "key",
        _ => "secret",
    }
}

fn date(t: jiff::Timestamp) -> jiff::civil::Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

fn whole_days(from: jiff::Timestamp, to: jiff::Timestamp) -> i64 {
    to.duration_since(from).as_secs() / 86_400
}

fn finding(
    it: &Item,
    v: &Version,
    severity: Severity,
    message: String,
    label: &str,
    help: &str,
    owner: Option<&str>,
) -> Finding {
    let mut f = Finding::new(&RULE, &v.source, v.span, message)
        .at_most(severity)
        .label(label)
        .key(format!("{}#{}", it.id.key(), v.id))
        .help(help);
    if let Some(o) = owner {
        f = f.secret(o);
    }
    f
}
