//! The pipeline, in order: load config → load inventory (with spans) →
//! validate schema → evaluate policies and rotation → apply waivers →
//! (render, in `render`).

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Serialize;

use crate::config::Config;
use crate::diag::{Diag, Fatal};
use crate::finding::{self, Finding, Severity};
use crate::inventory::{self, Inventory};
use crate::policy::{self, Policy};
use crate::rules::{self, Ctx};
use crate::schema::did_you_mean;
use crate::waiver;

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The repository root (default `.`).
    pub root: PathBuf,
    /// `--inventory`, relative to the current directory.
    pub inventory: Option<PathBuf>,
    /// `--config`, relative to the current directory.
    pub config: Option<PathBuf>,
    /// `--as-of`; today when absent.
    pub as_of: Option<Date>,
    /// Scan the working tree's content (on unless `--no-scan`).
    pub scan: bool,
    /// `--no-inventory`: scan content only, without an inventory.
    pub no_inventory: bool,
    /// Ignore the baseline file (`keyledger baseline` itself).
    pub no_baseline: bool,
    /// What content to scan: the tree, the index, a range or the history.
    pub scope: crate::git::Scope,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub as_of: String,
    pub inventory: String,
    pub secrets: usize,
    pub policies: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub waived: usize,
    pub baselined: usize,
    pub inline_allowed: usize,
    pub blocking: usize,
    /// Files scanned and skipped, when content was scanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<crate::scan::Stats>,
}

/// Everything a run found, ready to render.
#[derive(Debug)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub fail_on: Severity,
    pub inventory: Option<Inventory>,
    pub config: Config,
}

impl Outcome {
    pub fn exit_code(&self) -> i32 {
        if self.summary.blocking > 0 { 1 } else { 0 }
    }
}

pub fn today() -> Date {
    jiff::Zoned::now().date()
}

/// Shows `path` relative to `root` with `/` separators when it is inside.
pub fn display_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// Loads the configuration: `--config`, else `keyledger.toml` at the root.
pub fn load_config(opts: &Options) -> Result<Config, Fatal> {
    match &opts.config {
        Some(p) => Config::load(p, &display_path(&opts.root, p), true),
        None => Config::load_in_repo(&opts.root),
    }
}

/// Finds the inventory: `--inventory`, the config's `inventory`, or
/// `secrets-inventory.yaml` (`.toml` when only that exists). A path from the
/// configuration or the default one is the repository's: it must stay
/// inside the root (no symlink out), see [`crate::fsutil::contained`].
pub fn inventory_path(opts: &Options, config: &Config) -> Result<(PathBuf, String), Fatal> {
    if let Some(p) = &opts.inventory {
        return Ok((p.clone(), display_path(&opts.root, p)));
    }
    let rel = match &config.inventory {
        Some(p) => p.clone(),
        None => {
            let yaml = opts.root.join("secrets-inventory.yaml");
            let toml = opts.root.join("secrets-inventory.toml");
            if std::fs::symlink_metadata(&yaml).is_err() && toml.exists() {
                "secrets-inventory.toml".to_string()
            } else {
                "secrets-inventory.yaml".to_string()
            }
        }
    };
    crate::fsutil::contained(&opts.root, Path::new(&rel), &rel)?;
    Ok((opts.root.join(&rel), rel))
}

/// Every id a waiver or a `[rules]` override may name.
pub fn known_ids(policies: &[Policy]) -> Result<Vec<String>, Fatal> {
    let mut ids: Vec<String> = rules::ALL.iter().map(|r| r.id.to_string()).collect();
    for pack in policy::builtin_packs()? {
        ids.extend(pack.policies.iter().map(|p| p.id.clone()));
    }
    ids.extend(policies.iter().map(|p| p.id.clone()));
    ids.sort();
    ids.dedup();
    Ok(ids)
}

fn check_rule_overrides(config: &Config, ids: &[String]) -> Result<(), Fatal> {
    let mut errors = Vec::new();
    for (id, s) in &config.rules {
        if ids.iter().any(|k| k == id) {
            continue;
        }
        let msg = format!("unknown rule `{id}` in [rules]");
        let help = did_you_mean(id, ids.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| "`keyledger explain --list` lists the rule ids".into());
        errors.push(match &config.source {
            Some(src) => Diag::at("config", msg, src, s.span, "unknown rule").with_help(help),
            None => Diag::plain("config", msg).with_help(help),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Fatal(errors))
    }
}

/// Applies `[rules]` severity overrides; drops findings of rules turned off.
fn apply_overrides(config: &Config, findings: &mut Vec<Finding>) {
    findings.retain_mut(|f| match config.rules.get(&f.rule) {
        Some(s) => match s.value {
            Some(sev) => {
                f.severity = sev;
                true
            }
            None => false,
        },
        None => true,
    });
}

pub fn summarize(findings: &[Finding], fail_on: Severity, summary: &mut Summary) {
    use crate::finding::Suppression as S;
    for f in findings {
        match &f.suppressed {
            Some(S::Waiver { .. }) => summary.waived += 1,
            Some(S::Baseline) => summary.baselined += 1,
            Some(S::Inline) => summary.inline_allowed += 1,
            None => match f.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Note => summary.notes += 1,
            },
        }
        if f.blocks(fail_on) {
            summary.blocking += 1;
        }
    }
}

/// Property names marked `"pii": true` in the JSON Schemas listed under the
/// inventory's `pii.from`. A missing or invalid schema is a located error.
fn pii_fields_from_schemas(root: &Path, inv: &Inventory) -> Result<Vec<String>, Fatal> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(props) = m.get("properties").and_then(|p| p.as_object()) {
                    for (k, p) in props {
                        if p.get("pii").and_then(serde_json::Value::as_bool) == Some(true) {
                            out.push(k.clone());
                        }
                    }
                }
                for x in m.values() {
                    walk(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for f in &inv.pii.from {
        if !seen.insert(f.value.as_str()) {
            continue;
        }
        let text = crate::fsutil::read_in_repo_required(root, Path::new(&f.value), &f.value);
        let parsed = text.map_err(|e| e.message).and_then(|t| {
            serde_json::from_str::<serde_json::Value>(&t.text).map_err(|e| e.to_string())
        });
        match parsed {
            Ok(v) => walk(&v, &mut out),
            Err(e) => errors.push(Diag::at(
                "pii",
                format!("cannot read the PII schema `{}`: {e}", f.value),
                &inv.source,
                f.span,
                "listed here",
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Fatal(errors))
    }
}

/// Lowers content findings in test and example paths to `note`.
fn demote_test_paths(config: &Config, findings: &mut [Finding]) {
    let mut b = globset::GlobSetBuilder::new();
    for g in &config.scan.test_paths {
        if let Ok(g) = globset::Glob::new(g) {
            b.add(g);
        }
    }
    let Ok(set) = b.build() else { return };
    for f in findings {
        let content = rules::find(&f.rule).is_some_and(|r| r.scope == rules::Scope::Content);
        if content && f.severity > Severity::Note && set.is_match(f.path()) {
            f.severity = Severity::Note;
            f.message.push_str(" [test or example path]");
        }
    }
}

/// Runs `keyledger check`: the inventory, its policies and rotations, and
/// (unless `--no-scan`) the working tree's content.
pub fn run(opts: &Options) -> Result<Outcome, Fatal> {
    let config = load_config(opts)?;
    let as_of = opts.as_of.unwrap_or_else(today);
    let mut findings = Vec::new();
    let mut summary = Summary {
        as_of: as_of.to_string(),
        ..Summary::default()
    };
    use crate::git::Scope;
    // The pre-commit path checks only what is being committed; the
    // inventory's own checks run in the `keyledger-inventory` hook.
    let inventory_rules = !opts.no_inventory && opts.scope != Scope::Staged;
    let inventory = if opts.no_inventory {
        None
    } else if !inventory_rules {
        let (inv_path, inv_display) = inventory_path(opts, &config)?;
        if inv_path.exists() {
            Some(inventory::load(&inv_path, &inv_display)?)
        } else {
            None
        }
    } else {
        let (inv_path, inv_display) = inventory_path(opts, &config)?;
        let inventory = inventory::load(&inv_path, &inv_display)?;
        let policies = policy::load(&opts.root, &config)?;
        let ids = known_ids(&policies)?;
        check_rule_overrides(&config, &ids)?;
        let ctx = Ctx {
            inventory: &inventory,
            config: &config,
            root: &opts.root,
            as_of,
            known_ids: &ids,
        };
        findings = rules::check_inventory(&ctx);
        findings.extend(policy::evaluate(&policies, &inventory));
        summary.inventory = inv_display;
        summary.secrets = inventory.secrets.len();
        summary.policies = policies.len();
        Some(inventory)
    };
    if opts.scan {
        let mut scanner = crate::scan::Scanner::new(inventory.as_ref(), &config);
        if let Some(inv) = &inventory {
            scanner.add_pii_fields(&pii_fields_from_schemas(&opts.root, inv)?);
        }
        let (content, stats) = match &opts.scope {
            Scope::Tree => scanner.scan_tree(&opts.root),
            Scope::Staged => crate::git::staged(&opts.root, &scanner)?,
            Scope::Since(rev) => crate::git::since(&opts.root, rev, &scanner)?,
            Scope::History => crate::git::history(&opts.root, &scanner)?,
        };
        findings.extend(content);
        // End of input: drift needs the whole tree.
        if let (Scope::Tree, Some(inv)) = (&opts.scope, &inventory) {
            findings.extend(rules::unused_secret::check(inv, &stats.mentioned));
        }
        summary.scan = Some(stats);
    }
    apply_overrides(&config, &mut findings);
    demote_test_paths(&config, &mut findings);
    if let Some(inv) = &inventory {
        waiver::apply(inv, &config, as_of, &mut findings);
    }
    if !opts.no_baseline {
        crate::baseline::apply(&opts.root, &config.baseline, &mut findings)?;
    }
    finding::sort(&mut findings);
    summarize(&findings, config.fail_on, &mut summary);
    Ok(Outcome {
        findings,
        summary,
        fail_on: config.fail_on,
        inventory,
        config,
    })
}
