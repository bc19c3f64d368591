//! What a report reads: inventories (files, or repository directories whose
//! `keyledger.toml` may name one) and `keyledger check --format json`
//! outputs (files, or folders of them, as an organisation's CI collects
//! them). Each becomes a [`Loaded`] repository: its name, its secrets and
//! waivers as plain data, and for a check output the counts of that run.
//! Every error of every input is collected; nothing is skipped silently.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Deserialize;

use super::model::CheckResult;
use crate::cadence::{Cadence, parse_date};
use crate::check::{self, Options};
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::inventory::{self, BlastRadius, Inventory};

/// A secret as the report needs it.
#[derive(Debug, Clone)]
pub struct SecretEntry {
    /// Line of its `name`.
    pub line: usize,
    pub name: String,
    pub owner: Option<String>,
    pub blast_radius: Option<BlastRadius>,
    pub store_kind: Option<String>,
    pub store_ref: Option<String>,
    pub cadence: Option<Cadence>,
    pub last_rotated: Option<Date>,
    pub rotate_with: Vec<String>,
    pub runbook: Option<String>,
}

/// A waiver as the report needs it.
#[derive(Debug, Clone)]
pub struct WaiverEntry {
    pub line: usize,
    pub rule: String,
    pub secret: Option<String>,
    pub reason: String,
    pub expires: Date,
}

/// One repository in the report.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub repository: String,
    /// The inventory file as shown; `None` for a content-only check output.
    pub inventory: Option<String>,
    pub secrets: Vec<SecretEntry>,
    pub waivers: Vec<WaiverEntry>,
    /// The run's counts, for a check output.
    pub check: Option<CheckResult>,
    /// The inventory itself, when it was read from a file (the evidence
    /// stage matches its entries against store exports).
    pub source: Option<std::sync::Arc<Inventory>>,
}

impl Loaded {
    /// A repository from a loaded inventory.
    pub fn from_inventory(repository: String, inv: std::sync::Arc<Inventory>) -> Loaded {
        let line = |offset: usize| inv.source.line_col(offset).line;
        Loaded {
            repository: m(&repository),
            inventory: Some(inv.source.name.clone()),
            secrets: inv
                .secrets
                .iter()
                .map(|s| SecretEntry {
                    line: line(s.name.span.start),
                    name: m(&s.name.value),
                    owner: s.owner.as_ref().map(|o| m(&o.value)),
                    blast_radius: s.blast_radius.as_ref().map(|b| b.value),
                    store_kind: s.store.as_ref().map(|x| m(&x.kind.value)),
                    store_ref: s.store.as_ref().and_then(|x| x.reference.as_deref().map(m)),
                    cadence: s.cadence.as_ref().map(|c| c.value),
                    last_rotated: s.last_rotated.as_ref().map(|d| d.value),
                    rotate_with: s.rotate_with.iter().map(|r| m(&r.value)).collect(),
                    runbook: s.runbook.as_ref().map(|r| m(&r.value)),
                })
                .collect(),
            waivers: inv
                .waivers
                .iter()
                .map(|w| WaiverEntry {
                    line: line(w.span.start),
                    rule: m(&w.rule.value),
                    secret: w.secret.as_ref().map(|n| m(&n.value)),
                    reason: m(&w.reason),
                    expires: w.expires.value,
                })
                .collect(),
            check: None,
            source: Some(inv),
        }
    }
}

/// The largest check output read (a run with 100,000 findings is about
/// 50 MiB of JSON).
const MAX_JSON: u64 = 256 << 20;

/// What was read, and what the user should hear about on stderr.
pub struct Inputs {
    pub repositories: Vec<Loaded>,
    /// The repository directory whose `keyledger.toml` sets the `due_soon`
    /// window: the first one given, else the current directory.
    pub config_root: PathBuf,
    pub notes: Vec<String>,
}

/// `path` as given, with `/` separators and no leading `./`.
fn shown(path: &Path) -> String {
    crate::source::display_path(Path::new("."), path)
}

/// The name of a directory, from its canonical path when it has one.
fn dir_name(dir: &Path) -> Option<String> {
    let canon = std::fs::canonicalize(dir).ok()?;
    canon.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// The directory holding `file` (`.` for a bare file name).
fn parent_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// A directory that holds a repository's inventory or configuration (as
/// opposed to a folder of check outputs).
fn is_repository(dir: &Path) -> bool {
    [
        "keyledger.toml",
        "secrets-inventory.yaml",
        "secrets-inventory.yml",
        "secrets-inventory.toml",
    ]
    .iter()
    .any(|f| dir.join(f).exists())
}

enum Target {
    /// Inventory path, its display, the repository directory as given.
    Inventory(PathBuf, String, PathBuf),
    /// A check output.
    Json(PathBuf),
}

/// Every `*.json` file under `dir`, sorted; symbolic links are not
/// followed (counted in `notes`).
fn json_files(dir: &Path, notes: &mut Vec<String>) -> Result<Vec<PathBuf>, Diag> {
    let mut out = Vec::new();
    let mut links = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d)
            .map_err(|e| Diag::plain(ErrorCode::Io, format!("cannot read {}: {e}", shown(&d))))?;
        for entry in entries {
            let entry = entry.map_err(|e| {
                Diag::plain(ErrorCode::Io, format!("cannot read {}: {e}", shown(&d)))
            })?;
            let path = entry.path();
            let ft = entry.file_type().map_err(|e| {
                Diag::plain(ErrorCode::Io, format!("cannot read {}: {e}", shown(&path)))
            })?;
            if ft.is_symlink() {
                if is_json(&path) || path.is_dir() {
                    links.push(shown(&path));
                }
            } else if ft.is_dir() {
                stack.push(path);
            } else if ft.is_file() && is_json(&path) {
                out.push(path);
            }
        }
    }
    if !links.is_empty() {
        links.sort();
        notes.push(format!(
            "{}: not following {} symbolic {}: {}",
            shown(dir),
            links.len(),
            if links.len() == 1 { "link" } else { "links" },
            links.join(", ")
        ));
    }
    out.sort();
    Ok(out)
}

/// Loads every input; all errors of all inputs are reported together.
///
/// A directory is a repository when it holds an inventory or a
/// `keyledger.toml` (which may name the inventory), and otherwise a folder
/// of check outputs (every `*.json` under it). A `.json` file is a check
/// output; any other file is an inventory, whose repository is the
/// directory holding it. No input at all means the repository in the
/// current directory.
pub fn load(inputs: &[PathBuf]) -> Result<Inputs, Fatal> {
    // No input: the repository in the current directory (never a search
    // for JSON files in it).
    let dot = [PathBuf::from(".")];
    let default = inputs.is_empty();
    let inputs = if default { &dot[..] } else { inputs };
    let mut targets = Vec::new();
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let mut config_root = None;
    for arg in inputs {
        if arg.is_dir() {
            let files = if default || is_repository(arg) {
                Vec::new()
            } else {
                match json_files(arg, &mut notes) {
                    Ok(files) => files,
                    Err(d) => {
                        errors.push(d);
                        continue;
                    }
                }
            };
            if !files.is_empty() {
                targets.extend(files.into_iter().map(Target::Json));
                continue;
            }
            if !default && !is_repository(arg) {
                errors.push(
                    Diag::plain(
                        ErrorCode::Usage,
                        format!(
                            "{} holds no secret inventory and no `keyledger check --format json` output",
                            shown(arg)
                        ),
                    )
                    .with_help(
                        "give a repository (with secrets-inventory.yaml or keyledger.toml), an inventory file, or check outputs (*.json, or folders of them)",
                    ),
                );
                continue;
            }
            // A repository (a keyledger.toml may name a missing inventory:
            // that is the error).
            let opts = Options {
                root: arg.clone(),
                ..Options::default()
            };
            config_root.get_or_insert_with(|| arg.clone());
            match check::load_config(&opts).and_then(|config| check::inventory_path(&opts, &config))
            {
                Ok((path, display)) => {
                    let display = if opts.root == Path::new(".") {
                        display
                    } else {
                        shown(&path)
                    };
                    targets.push(Target::Inventory(path, display, arg.clone()));
                }
                Err(Fatal(d)) => errors.extend(d),
            }
        } else if is_json(arg) {
            targets.push(Target::Json(arg.clone()));
        } else {
            targets.push(Target::Inventory(arg.clone(), shown(arg), parent_dir(arg)));
        }
    }
    // The same file twice is read once.
    let mut seen = BTreeSet::new();
    targets.retain(|t| {
        let path = match t {
            Target::Inventory(p, ..) | Target::Json(p) => p,
        };
        seen.insert(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()))
    });

    // Inventories first (in the order given), then check outputs, read in
    // parallel; the order of the inputs is kept.
    let mut inventories = Vec::new();
    let mut jsons = Vec::new();
    for (i, t) in targets.into_iter().enumerate() {
        match t {
            Target::Inventory(path, display, dir) => inventories.push((i, path, display, dir)),
            Target::Json(path) => jsons.push((i, path)),
        }
    }
    let mut loaded: Vec<(usize, Loaded)> = Vec::new();
    let mut inv_loaded = Vec::new();
    for (i, path, display, dir) in &inventories {
        match inventory::load(path, display) {
            Ok(inv) => inv_loaded.push((*i, std::sync::Arc::new(inv), dir)),
            Err(Fatal(d)) => errors.extend(d),
        }
    }
    for (i, r) in read_all_json(&jsons) {
        match r {
            Ok(l) => loaded.push((i, l)),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(Fatal(errors));
    }

    // Inventory repositories are named after their directory; where two
    // share a name, the directory as given.
    let names: Vec<String> = inv_loaded
        .iter()
        .map(|(_, _, dir)| dir_name(dir).unwrap_or_else(|| shown(dir)))
        .collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for n in &names {
        *count.entry(n.as_str()).or_default() += 1;
    }
    for (k, (i, inv, dir)) in inv_loaded.iter().enumerate() {
        let repository = if count.get(names[k].as_str()).copied().unwrap_or(0) > 1 {
            shown(dir)
        } else {
            names[k].clone()
        };
        loaded.push((*i, Loaded::from_inventory(repository, inv.clone())));
    }
    loaded.sort_by_key(|(i, _)| *i);
    let repositories: Vec<Loaded> = loaded.into_iter().map(|(_, l)| l).collect();

    // A repository given twice (two check outputs claiming one name, or an
    // output and the inventory it checked) would count its secrets twice.
    let mut first: HashMap<&str, &Loaded> = HashMap::new();
    for l in &repositories {
        if let Some(prev) = first.insert(&l.repository, l) {
            let origin = |l: &Loaded| match &l.check {
                Some(c) => c.path.clone(),
                None => l.inventory.clone().unwrap_or_default(),
            };
            errors.push(
                Diag::plain(
                    ErrorCode::Usage,
                    format!(
                        "repository `{}` is given twice: {} and {}",
                        l.repository,
                        origin(prev),
                        origin(l)
                    ),
                )
                .with_help(
                    "give each repository once; `keyledger check --repository NAME` sets the name a check output records",
                ),
            );
        }
    }
    if !errors.is_empty() {
        return Err(Fatal(errors));
    }
    Ok(Inputs {
        repositories,
        config_root: config_root.unwrap_or_else(|| PathBuf::from(".")),
        notes,
    })
}

/// Reads the check outputs on every core; results in input order.
fn read_all_json(files: &[(usize, PathBuf)]) -> Vec<(usize, Result<Loaded, Diag>)> {
    if files.is_empty() {
        return Vec::new();
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len());
    let chunk = files.len().div_ceil(threads);
    let mut out: Vec<(usize, Result<Loaded, Diag>)> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(i, p)| (*i, read_json(p)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![(0, Err(Diag::plain(ErrorCode::Io, "a reader thread failed")))]
                })
            })
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out
}

// The shape of `keyledger check --format json` that the report reads;
// everything else in it is ignored, so later additions do not break it.

#[derive(Deserialize)]
struct CheckDoc {
    version: u32,
    findings: Vec<CheckFinding>,
    summary: CheckSummary,
    #[serde(default)]
    inventory: Option<CheckInventory>,
}

#[derive(Deserialize)]
struct CheckFinding {
    rule: String,
    #[serde(default)]
    suppressed: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct CheckSummary {
    #[serde(default)]
    repository: Option<String>,
    as_of: String,
    #[serde(default)]
    inventory: String,
    errors: usize,
    warnings: usize,
    notes: usize,
    #[serde(default)]
    waived: usize,
    #[serde(default)]
    baselined: usize,
    #[serde(default)]
    inline_allowed: usize,
    blocking: usize,
}

#[derive(Deserialize)]
struct CheckInventory {
    path: String,
    #[serde(default)]
    secrets: Vec<CheckSecret>,
    #[serde(default)]
    waivers: Vec<CheckWaiver>,
}

#[derive(Deserialize)]
struct CheckSecret {
    name: String,
    line: usize,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    blast_radius: Option<String>,
    #[serde(default)]
    store: Option<CheckStore>,
    #[serde(default)]
    cadence: Option<String>,
    #[serde(default)]
    last_rotated: Option<String>,
    #[serde(default)]
    rotate_with: Vec<String>,
    #[serde(default)]
    runbook: Option<String>,
}

#[derive(Deserialize)]
struct CheckStore {
    kind: String,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
}

#[derive(Deserialize)]
struct CheckWaiver {
    line: usize,
    rule: String,
    #[serde(default)]
    secret: Option<String>,
    reason: String,
    expires: String,
}

/// Reads one check output.
fn read_json(path: &Path) -> Result<Loaded, Diag> {
    let name = shown(path);
    let io = |e: std::io::Error| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "not found".to_string(),
            _ => e.to_string(),
        };
        Diag::plain(ErrorCode::Io, format!("cannot read {name}: {why}"))
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Diag::plain(ErrorCode::Io, format!("{name} is not a file")));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_JSON + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_JSON {
        return Err(Diag::plain(
            ErrorCode::Report,
            format!("{name} is larger than {} MiB", MAX_JSON >> 20),
        ));
    }
    let not_check = |why: String| {
        Diag::plain(
            ErrorCode::Report,
            format!("{name}: not a `keyledger check --format json` output: {why}"),
        )
        .with_help(
            "a report reads inventories and the JSON that `keyledger check --format json` prints",
        )
    };
    let doc: CheckDoc = serde_json::from_slice(&bytes).map_err(|e| {
        not_check(format!(
            "{} at line {}, column {}",
            strip_location(&e.to_string()),
            e.line(),
            e.column()
        ))
    })?;
    if doc.version != 1 {
        return Err(not_check(format!(
            "format version {} (this keyledger reads version 1)",
            doc.version
        )));
    }
    let s = &doc.summary;
    let repository = match s.repository.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() => r.to_string(),
        // Written before outputs recorded it: the folder holding the file
        // (artifacts/<repository>/keyledger.json).
        _ => {
            let dir = parent_dir(path);
            dir_name(&dir).unwrap_or_else(|| shown(&dir))
        }
    };
    let mut by_rule: HashMap<&str, usize> = HashMap::new();
    for f in doc.findings.iter().filter(|f| f.suppressed.is_none()) {
        *by_rule.entry(f.rule.as_str()).or_default() += 1;
    }
    let mut by_rule: Vec<(String, usize)> = by_rule
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    by_rule.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let mut secrets = Vec::new();
    let mut waivers = Vec::new();
    let mut bad = Vec::new();
    let inventory_path = match &doc.inventory {
        Some(inv) => {
            for (i, x) in inv.secrets.iter().enumerate() {
                let at = |field: &str| format!("inventory.secrets[{i}].{field}");
                let cadence = match &x.cadence {
                    Some(c) => match Cadence::parse(c) {
                        Ok(c) => Some(c),
                        Err(e) => {
                            bad.push(format!("{}: {e}", at("cadence")));
                            None
                        }
                    },
                    None => None,
                };
                let last_rotated = match &x.last_rotated {
                    Some(d) => match parse_date(d) {
                        Ok(d) => Some(d),
                        Err(e) => {
                            bad.push(format!("{}: {e}", at("last_rotated")));
                            None
                        }
                    },
                    None => None,
                };
                let blast_radius = match &x.blast_radius {
                    Some(b) => match BlastRadius::parse(b) {
                        Some(b) => Some(b),
                        None => {
                            bad.push(format!("{}: unknown blast radius", at("blast_radius")));
                            None
                        }
                    },
                    None => None,
                };
                secrets.push(SecretEntry {
                    line: x.line,
                    name: m(&x.name),
                    owner: x.owner.as_deref().map(m),
                    blast_radius,
                    store_kind: x.store.as_ref().map(|s| m(&s.kind)),
                    store_ref: x.store.as_ref().and_then(|s| s.reference.as_deref().map(m)),
                    cadence,
                    last_rotated,
                    rotate_with: x.rotate_with.iter().map(|r| m(r)).collect(),
                    runbook: x.runbook.as_deref().map(m),
                });
            }
            for (i, w) in inv.waivers.iter().enumerate() {
                match parse_date(&w.expires) {
                    Ok(expires) => waivers.push(WaiverEntry {
                        line: w.line,
                        rule: m(&w.rule),
                        secret: w.secret.as_deref().map(m),
                        reason: m(&w.reason),
                        expires,
                    }),
                    Err(e) => bad.push(format!("inventory.waivers[{i}].expires: {e}")),
                }
            }
            Some(inv.path.clone())
        }
        // A content-only run (`--no-inventory`), or an output written
        // before outputs carried the inventory: its counts still merge.
        None if s.inventory.is_empty() => None,
        None => Some(s.inventory.clone()),
    };
    if !bad.is_empty() {
        return Err(not_check(bad.join("; ")));
    }
    Ok(Loaded {
        repository: m(&repository),
        inventory: inventory_path.clone(),
        secrets,
        waivers,
        check: Some(CheckResult {
            repository,
            path: name,
            as_of: s.as_of.clone(),
            inventory: inventory_path,
            errors: s.errors,
            warnings: s.warnings,
            notes: s.notes,
            suppressed: s.waived + s.baselined + s.inline_allowed,
            blocking: s.blocking,
            by_rule,
        }),
        source: None,
    })
}

/// serde_json appends " at line L column C"; the message gives them once.
fn strip_location(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

/// Every string a report shows comes from a repository (an inventory, or a
/// check output built from one): a secret value planted in an owner, a
/// store ref or a waiver reason is masked as everywhere else.
fn m(s: &str) -> String {
    crate::redact::secrets(s).into_owned()
}
