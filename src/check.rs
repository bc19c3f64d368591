//! The pipeline, in order: load config → load inventory (with spans) →
//! validate schema → evaluate policies and rotation → apply waivers →
//! (render, in `render`).

use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Serialize;

use crate::config::Config;
use crate::diag::Fatal;
use crate::finding::{self, Finding, Severity};
use crate::inventory::{self, Inventory};
use crate::policy::{self, Policy};
use crate::rules::{self, Ctx, Setup, Sink};
use crate::source::display_path;
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
    /// `--evidence`: store exports named on the command line.
    pub evidence: Vec<PathBuf>,
    /// `--repository`: the name recorded in the output (default: from the
    /// `origin` remote, else the root's name).
    pub repository: Option<String>,
    /// `--fail-on`: overrides the configuration's `fail_on`.
    pub fail_on: Option<Severity>,
    /// How git scopes run (`--threads`, `--no-cache`,
    /// `--allow-incomplete-history`).
    pub git: crate::git::GitOptions,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// The repository's name, for reports that merge many runs.
    pub repository: String,
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
    /// The PII field list `pii-in-log` used: `inventory` (its `pii:`
    /// section) or `default` (no section, or `--no-inventory`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pii_fields: Option<&'static str>,
    /// Store exports read, when evidence was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::evidence::Summary>,
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
        // A git scope that could not read part of the history never
        // passes (unless the user accepted it).
        if self.incomplete() {
            return 2;
        }
        if self.summary.blocking > 0 { 1 } else { 0 }
    }

    /// A git scope could not read part of what it was asked to scan, and
    /// `--allow-incomplete-history` was not given.
    pub fn incomplete(&self) -> bool {
        let git = self.summary.scan.as_ref().and_then(|s| s.git.as_ref());
        git.is_some_and(|g| g.blocks())
    }
}

pub fn today() -> Date {
    jiff::Zoned::now().date()
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

/// Runs `keyledger check`: the inventory, its policies and rotations, and
/// (unless `--no-scan`) the working tree's content.
pub fn run(opts: &Options) -> Result<Outcome, Fatal> {
    let config = load_config(opts)?;
    let as_of = opts.as_of.unwrap_or_else(today);
    let mut summary = Summary {
        repository: opts
            .repository
            .clone()
            .unwrap_or_else(|| crate::repository::name(&opts.root)),
        as_of: as_of.to_string(),
        ..Summary::default()
    };
    let mut sink = Sink::new(&config);
    use crate::git::Scope;
    // The pre-commit path checks only what is being committed; the
    // inventory's own checks run in the `keyledger-inventory` hook.
    let inventory_rules =
        !opts.no_inventory && !matches!(opts.scope, Scope::Staged | Scope::Files(_));
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
        rules::check_overrides(&config, &ids)?;
        let evidence = crate::evidence::read_all(&config, &opts.root, &opts.evidence)?;
        let checked = evidence
            .as_ref()
            .map(|ev| crate::evidence::match_inventory(&inventory, ev, &config.evidence));
        let ctx = Ctx {
            inventory: &inventory,
            config: &config,
            root: &opts.root,
            as_of,
            known_ids: &ids,
            evidence: checked.as_ref(),
        };
        rules::check_inventory(&ctx, &mut sink);
        let enabled: Vec<&Policy> = policies.iter().filter(|p| sink.enabled(&p.id)).collect();
        sink.extend(policy::evaluate(&enabled, &inventory));
        summary.evidence = checked
            .as_ref()
            .map(|c| crate::evidence::Summary::of(&inventory, c));
        summary.inventory = inv_display;
        summary.secrets = inventory.secrets.len();
        summary.policies = policies.len();
        Some(inventory)
    };
    if opts.scan {
        let setup = Setup {
            inventory: inventory.as_ref(),
            config: &config,
            root: &opts.root,
            sink: &sink,
        };
        let scanner = crate::scan::Scanner::new(&setup)?;
        if scanner.rules().any(|r| r == rules::pii_in_log::RULE.id) {
            summary.pii_fields = Some(rules::pii_in_log::field_source(inventory.as_ref()));
        }
        let (content, stats) = match &opts.scope {
            Scope::Tree => scanner.scan_tree(&opts.root),
            Scope::Staged => crate::git::staged(&opts.root, &scanner, &opts.git)?,
            Scope::Since(rev) => crate::git::since(&opts.root, rev, &scanner, &opts.git)?,
            Scope::History => crate::git::history(&opts.root, &scanner, &opts.git)?,
            Scope::Files(paths) => scanner.scan_files(&opts.root, paths)?,
        };
        sink.extend(content);
        // End of input: drift needs the whole tree.
        if let (Scope::Tree, Some(inv)) = (&opts.scope, &inventory)
            && sink.enabled(rules::unused_secret::RULE.id)
        {
            sink.extend(rules::unused_secret::check(inv, &stats.mentioned));
        }
        summary.scan = Some(stats);
    }
    if let Some(inv) = &inventory {
        waiver::apply(inv, as_of, &mut sink);
    }
    if !opts.no_baseline {
        // Only a scan of everything can tell that an entry matches nothing
        // any more; a commit's files, a range or the inventory alone cannot.
        let full = opts.scan && matches!(opts.scope, Scope::Tree | Scope::History);
        crate::baseline::apply(&opts.root, &config.baseline, &mut sink, full)?;
    }
    let mut findings = sink.into_findings();
    finding::sort(&mut findings);
    let fail_on = opts.fail_on.unwrap_or(config.fail_on);
    summarize(&findings, fail_on, &mut summary);
    Ok(Outcome {
        findings,
        summary,
        fail_on,
        inventory,
        config,
    })
}
