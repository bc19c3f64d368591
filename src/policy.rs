//! Policy stage: policies are data. Built-in packs are embedded from
//! `policies/`; a repository adds its own under `.keyledger/policies/`.

use std::path::Path;
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::cadence::Cadence;
use crate::config::Config;
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::finding::{Finding, Severity};
use crate::inventory::{Inventory, Secret};
use crate::node::{self, Node};
use crate::schema;
use crate::source::{SourceFile, Span};

/// Policies in force, at most (built-in and the repository's).
pub const MAX_POLICIES: usize = 1000;

/// Built-in packs: (name, file name, text).
pub const BUILTIN: &[(&str, &str, &str)] = &[
    (
        "baseline",
        "policies/baseline.yaml",
        include_str!("../policies/baseline.yaml"),
    ),
    (
        "strict",
        "policies/strict.yaml",
        include_str!("../policies/strict.yaml"),
    ),
    (
        "pci-dss",
        "policies/pci-dss.yaml",
        include_str!("../policies/pci-dss.yaml"),
    ),
];

#[derive(Debug, Clone, Default)]
pub struct Match {
    /// `None` matches every name.
    pub name: Option<GlobSet>,
    pub blast_radius: Vec<String>,
    pub store_kind: Vec<String>,
    pub exposure: Vec<String>,
    pub owner: Option<GlobSet>,
    pub used_by: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Require {
    pub owner: bool,
    pub description: bool,
    pub store: bool,
    pub store_kind: Vec<String>,
    pub cadence: bool,
    pub max_cadence: Option<Cadence>,
    pub runbook: bool,
    pub fingerprints: bool,
    pub used_by: bool,
    pub last_rotated: bool,
    pub blast_radius: bool,
    pub exposure: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub id: String,
    pub pack: String,
    pub description: String,
    pub severity: Severity,
    pub source: Option<String>,
    pub matcher: Match,
    pub require: Require,
    /// Where it is defined (`policies/strict.yaml:12`).
    pub defined_at: String,
    /// The file it is defined in, and where each `require` key is written:
    /// findings point there as well as at the secret.
    pub file: Arc<SourceFile>,
    pub span: Span,
    pub require_spans: Vec<(String, Span)>,
}

impl Policy {
    /// Where requirement `key` is written (`store` may be required by
    /// `store_kind`, `cadence` by `max_cadence`), else the policy itself.
    pub fn require_span(&self, key: &str) -> Span {
        let find = |f: &dyn Fn(&str) -> bool| {
            self.require_spans
                .iter()
                .find(|(k, _)| f(k))
                .map(|(_, s)| *s)
        };
        find(&|k| k == key)
            .or_else(|| find(&|k| k.contains(key)))
            .unwrap_or(self.span)
    }
}

/// A loaded policy file: one pack or one policy.
#[derive(Debug, Clone)]
pub struct PackFile {
    pub pack: String,
    pub description: String,
    pub source_text: Option<String>,
    pub policies: Vec<Policy>,
}

fn globs(n: Option<&Node>, src: &Arc<SourceFile>, errors: &mut Vec<Diag>) -> Option<GlobSet> {
    let items = n.map(Node::as_seq).unwrap_or_default();
    if items.is_empty() {
        return None;
    }
    if items.len() > crate::config::MAX_LIST_LEN {
        errors.push(Diag::at(
            ErrorCode::Policy,
            format!(
                "{} globs in one list; at most {}",
                items.len(),
                crate::config::MAX_LIST_LEN
            ),
            src,
            items[0].span,
            "too many",
        ));
        return None;
    }
    let mut out = GlobSetBuilder::new();
    for item in items {
        let pat = item.as_str().unwrap_or_default();
        match Glob::new(pat) {
            Ok(g) => {
                out.add(g);
            }
            Err(e) => errors.push(Diag::at(
                ErrorCode::Policy,
                format!("invalid glob `{pat}`: {e}"),
                src,
                item.span,
                "invalid glob",
            )),
        }
    }
    match out.build() {
        Ok(set) => Some(set),
        Err(e) => {
            errors.push(Diag::at(
                ErrorCode::Policy,
                format!("invalid globs: {e}"),
                src,
                items[0].span,
                "here",
            ));
            None
        }
    }
}

fn strs(n: Option<&Node>) -> Vec<String> {
    n.map(|n| {
        n.as_seq()
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

fn flag(n: &Node, key: &str) -> bool {
    matches!(n.get(key).map(|v| &v.value), Some(node::Value::Bool(true)))
}

fn parse_policy(
    n: &Node,
    pack: &str,
    src: &Arc<SourceFile>,
    errors: &mut Vec<Diag>,
) -> Option<Policy> {
    let id = n.get("id")?.as_str()?.to_string();
    let m = n.get("match");
    let matcher = Match {
        name: globs(m.and_then(|m| m.get("name")), src, errors),
        blast_radius: strs(m.and_then(|m| m.get("blast_radius"))),
        store_kind: strs(m.and_then(|m| m.get("store_kind"))),
        exposure: strs(m.and_then(|m| m.get("exposure"))),
        owner: globs(m.and_then(|m| m.get("owner")), src, errors),
        used_by: strs(m.and_then(|m| m.get("used_by"))),
    };
    let r = n.get("require")?;
    let max_cadence = match r.get("max_cadence") {
        Some(c) => match Cadence::parse(c.as_str().unwrap_or_default()) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(Diag::at(
                    ErrorCode::Policy,
                    e,
                    src,
                    c.span,
                    "invalid cadence",
                ));
                None
            }
        },
        None => None,
    };
    let require = Require {
        owner: flag(r, "owner"),
        description: flag(r, "description"),
        store: flag(r, "store"),
        store_kind: strs(r.get("store_kind")),
        cadence: flag(r, "cadence"),
        max_cadence,
        runbook: flag(r, "runbook"),
        fingerprints: flag(r, "fingerprints"),
        used_by: flag(r, "used_by"),
        last_rotated: flag(r, "last_rotated"),
        blast_radius: flag(r, "blast_radius"),
        exposure: strs(r.get("exposure")),
    };
    let lc = src.line_col(n.span.start);
    let require_spans = r
        .entries()
        .iter()
        .map(|e| (e.key.clone(), e.key_span))
        .collect();
    Some(Policy {
        id,
        pack: pack.to_string(),
        description: n
            .get("description")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string(),
        severity: n
            .get("severity")
            .and_then(Node::as_str)
            .and_then(Severity::parse)
            .unwrap_or(Severity::Error),
        source: n.get("source").and_then(Node::as_str).map(str::to_string),
        matcher,
        require,
        defined_at: format!("{}:{}", src.name, lc.line),
        file: src.clone(),
        span: Span::new(n.span.start, n.span.start),
        require_spans,
    })
}

/// Parses one policy file (a pack or a single policy); errors are located.
pub fn parse_file(src: &Arc<SourceFile>, default_pack: &str) -> Result<PackFile, Vec<Diag>> {
    let root = node::parse(src)?;
    let mut errors = schema::validate(schema::policy(), &root, src);
    for d in &mut errors {
        d.code = ErrorCode::Policy.into();
    }
    let has_list = root.get("policies").is_some();
    let has_single = root.get("id").is_some();
    if errors.is_empty() && has_list == has_single {
        errors.push(
            Diag::at(
                ErrorCode::Policy,
                format!("{} must hold either `policies:` (a pack) or one policy (`id`, `require`)", src.name),
                src,
                Span::new(root.span.start, root.span.start),
                if has_list { "both given" } else { "neither given" },
            )
            .with_help("a pack is `pack: NAME` with `policies: [...]`; a single policy has `id`, `description`, `require`"),
        );
    }
    if has_single && errors.is_empty() {
        for key in ["description", "require"] {
            if root.get(key).is_none() {
                errors.push(Diag::at(
                    ErrorCode::Policy,
                    format!("policy in {} is missing `{key}`", src.name),
                    src,
                    Span::new(root.span.start, root.span.start),
                    format!("`{key}` is missing"),
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let pack = root
        .get("pack")
        .and_then(Node::as_str)
        .unwrap_or(default_pack)
        .to_string();
    let mut policies = Vec::new();
    if has_list {
        for p in root.get("policies").map(Node::as_seq).unwrap_or_default() {
            if let Some(p) = parse_policy(p, &pack, src, &mut errors) {
                policies.push(p);
            }
        }
    } else if let Some(p) = parse_policy(&root, &pack, src, &mut errors) {
        policies.push(p);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PackFile {
        pack,
        description: root
            .get("description")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string(),
        source_text: root
            .get("source")
            .and_then(Node::as_str)
            .map(str::to_string),
        policies,
    })
}

/// Every built-in pack, parsed.
/// Parsed once per process: `check` needs them for the enabled packs and
/// for the ids a waiver or override may name.
/// Whether `src` is one of the built-in packs embedded in the binary.
pub fn is_builtin(src: &SourceFile) -> bool {
    BUILTIN
        .iter()
        .any(|(_, file, text)| src.name == *file && src.text == *text)
}

pub fn builtin_packs() -> Result<&'static [PackFile], Fatal> {
    static PACKS: std::sync::OnceLock<Result<Vec<PackFile>, Fatal>> = std::sync::OnceLock::new();
    let parsed = PACKS.get_or_init(|| {
        BUILTIN
            .iter()
            .map(|(name, file, text)| {
                parse_file(&SourceFile::new(*file, *text), name).map_err(Fatal)
            })
            .collect()
    });
    match parsed {
        Ok(p) => Ok(p),
        Err(e) => Err(e.clone()),
    }
}

/// The policies in force: the enabled built-in packs and every file under
/// `.keyledger/policies/`. Unknown pack names and duplicate ids are errors.
pub fn load(root: &Path, config: &Config) -> Result<Vec<Policy>, Fatal> {
    let builtin = builtin_packs()?;
    let mut errors = Vec::new();
    let mut policies = Vec::new();
    for name in &config.packs {
        match builtin.iter().find(|p| &p.pack == name) {
            Some(p) => policies.extend(p.policies.iter().cloned()),
            None => {
                let names: Vec<&str> = builtin.iter().map(|p| p.pack.as_str()).collect();
                let msg = format!("unknown policy pack `{name}`");
                let help = match schema::did_you_mean(name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? built-in packs: {}", names.join(", ")),
                    None => format!("built-in packs: {}", names.join(", ")),
                };
                let span = config
                    .pack_spans
                    .iter()
                    .find(|s| &s.value == name)
                    .map(|s| s.span);
                errors.push(match (&config.source, span) {
                    (Some(src), Some(span)) => {
                        Diag::at(ErrorCode::Config, msg, src, span, "unknown pack").with_help(help)
                    }
                    _ => Diag::plain(ErrorCode::Config, msg).with_help(help),
                });
            }
        }
    }
    let dir_rel = Path::new(".keyledger/policies");
    let kind = crate::fsutil::contained(root, dir_rel, ".keyledger/policies")?;
    if !matches!(
        kind,
        crate::fsutil::Kind::Dir | crate::fsutil::Kind::Missing
    ) {
        return Err(Diag::plain(
            ErrorCode::Policy,
            ".keyledger/policies is not a folder; policy files go inside it",
        )
        .into());
    }
    if kind == crate::fsutil::Kind::Dir {
        let dir = root.join(dir_rel);
        let mut files: Vec<_> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.file_name())).collect(),
            Err(e) => {
                return Err(Diag::plain(
                    ErrorCode::Io,
                    format!("cannot read .keyledger/policies: {e}"),
                )
                .into());
            }
        };
        if files.len() > crate::fsutil::MAX_POLICY_FILES {
            return Err(Diag::plain(
                ErrorCode::Policy,
                format!(
                    ".keyledger/policies holds {} entries; keyledger reads at most {}",
                    files.len(),
                    crate::fsutil::MAX_POLICY_FILES
                ),
            )
            .with_help("a pack file holds many policies: `pack: NAME` with `policies: [...]`")
            .into());
        }
        files.sort();
        for name in files {
            let fname = name.to_string_lossy().into_owned();
            let display = format!(".keyledger/policies/{fname}");
            let rel = dir_rel.join(&name);
            let ext = Path::new(&name)
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("");
            let kind = match crate::fsutil::contained(root, &rel, &display) {
                Ok(k) => k,
                Err(d) => {
                    errors.push(d);
                    continue;
                }
            };
            if !matches!(ext, "yaml" | "yml" | "toml") {
                if kind != crate::fsutil::Kind::Dir {
                    errors.push(Diag::plain(
                        ErrorCode::Policy,
                        format!("{display}: not a policy file (expected .yaml, .yml or .toml)"),
                    ));
                }
                continue;
            }
            let src = match crate::fsutil::read_in_repo_required(root, &rel, &display) {
                Ok(s) => s,
                Err(d) => {
                    errors.push(d);
                    continue;
                }
            };
            let stem = fname
                .rsplit_once('.')
                .map_or(fname.as_str(), |(s, _)| s)
                .to_string();
            match parse_file(&src, &stem) {
                Ok(p) => policies.extend(p.policies),
                Err(ds) => errors.extend(ds),
            }
            if errors.len() >= crate::diag::MAX_ERRORS {
                break;
            }
        }
    }
    if policies.len() > MAX_POLICIES {
        errors.push(
            Diag::plain(
                ErrorCode::Policy,
                format!(
                    "{} policies are in force; keyledger evaluates at most {MAX_POLICIES}",
                    policies.len()
                ),
            )
            .with_help("every policy is evaluated on every secret; merge policies that select the same secrets"),
        );
        return Err(Fatal(errors));
    }
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    for p in &policies {
        if let Some(prev) = seen.insert(p.id.clone(), p.defined_at.clone()) {
            errors.push(Diag::plain(
                ErrorCode::Policy,
                format!(
                    "policy id `{}` is defined twice: {} and {}",
                    p.id, prev, p.defined_at
                ),
            ));
        }
        if crate::rules::find(&p.id).is_some() {
            errors.push(Diag::plain(
                ErrorCode::Policy,
                format!(
                    "policy id `{}` ({}) clashes with a built-in rule id",
                    p.id, p.defined_at
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Fatal(errors));
    }
    Ok(policies)
}

impl Match {
    pub fn matches(&self, s: &Secret) -> bool {
        let any_glob =
            |globs: &Option<GlobSet>, v: &str| globs.as_ref().is_none_or(|g| g.is_match(v));
        any_glob(&self.name, &s.name.value)
            && any_glob(
                &self.owner,
                s.owner.as_ref().map_or("", |o| o.value.as_str()),
            )
            && (self.blast_radius.is_empty()
                || s.blast_radius
                    .as_ref()
                    .is_some_and(|b| self.blast_radius.iter().any(|x| x == b.value.as_str())))
            && (self.store_kind.is_empty()
                || s.store
                    .as_ref()
                    .is_some_and(|st| self.store_kind.contains(&st.kind.value)))
            && (self.exposure.is_empty()
                || self.exposure.iter().any(|x| x == s.exposure.value.as_str()))
            && (self.used_by.is_empty() || s.used_by.iter().any(|u| self.used_by.contains(u)))
    }
}

/// Evaluates the policies on every secret: one finding per unmet
/// requirement, pointing at the field at fault (or the secret's name when
/// the field is missing).
/// A value a draft left to fill in (`TODO-owner`, `TBD`, `<team>`): as
/// good as missing for a requirement.
pub fn is_unfilled(v: &str) -> bool {
    let l = v.trim().to_ascii_lowercase();
    l.is_empty()
        || l.starts_with("todo")
        || l.starts_with("tbd")
        || l.starts_with("fixme")
        || l.starts_with('<')
        || [
            "changeme",
            "change-me",
            "unknown",
            "none",
            "n/a",
            "?",
            "xxx",
            "owner",
            "team",
        ]
        .contains(&l.as_str())
}

pub fn evaluate(policies: &[&Policy], inv: &Inventory) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in policies {
        let r = &p.require;
        let mut help = format!(
            "policy `{}` ({} pack, {}): {}",
            p.id, p.pack, p.defined_at, p.description
        );
        if let Some(src) = &p.source {
            help.push_str(&format!(". Source: {src}"));
        }
        let label = format!("required by {}", p.id);
        for s in inv.secrets.iter().filter(|s| p.matcher.matches(s)) {
            let mut fail = |key: &str, span: Span, what: String| {
                // `key` is the requirement, or `requirement:detail`.
                let req = key.split(':').next().unwrap_or(key);
                out.push(
                    Finding::for_id(
                        &p.id,
                        p.severity,
                        &inv.source,
                        span,
                        format!("`{}` {what}", s.name.value),
                    )
                    .secret(&s.name.value)
                    .label(label.clone())
                    .also_in(
                        &p.file,
                        p.require_span(req),
                        format!("required here by {}", p.id),
                    )
                    .key(key)
                    .help(help.clone()),
                );
            };
            let name = s.name.span;
            if r.owner {
                match &s.owner {
                    None => fail("owner", name, "has no owner".into()),
                    Some(o) if is_unfilled(&o.value) => fail(
                        "owner",
                        name,
                        format!("has no owner yet (`{}` is a placeholder)", o.value),
                    ),
                    Some(_) => {}
                }
            }
            if r.description {
                match s.description.as_deref() {
                    None => fail("description", name, "has no description".into()),
                    Some(d) if is_unfilled(d) => fail(
                        "description",
                        name,
                        "has no description yet (it still says TODO)".into(),
                    ),
                    Some(_) => {}
                }
            }
            if r.store || !r.store_kind.is_empty() {
                match &s.store {
                    None => fail("store", name, "declares no store".into()),
                    // `kind: other` without a reference says nothing about
                    // where the value lives: a draft's placeholder.
                    Some(st)
                        if st.kind.value == "other"
                            && st.reference.as_deref().is_none_or(is_unfilled) =>
                    {
                        fail(
                            "store",
                            name,
                            "declares no store yet (`kind: other` without a `ref`)".into(),
                        )
                    }
                    Some(_) => {}
                }
            }
            if let Some(st) = &s.store
                && !r.store_kind.is_empty()
                && !r.store_kind.contains(&st.kind.value)
            {
                fail(
                    "store_kind",
                    st.kind.span,
                    format!(
                        "is stored in `{}`, not one of: {}",
                        st.kind.value,
                        r.store_kind.join(", ")
                    ),
                );
            }
            if (r.cadence || r.max_cadence.is_some()) && s.cadence.is_none() {
                fail("cadence", name, "declares no rotation cadence".into());
            }
            if let (Some(max), Some(c)) = (&r.max_cadence, &s.cadence) {
                let too_long = match (c.value.nominal_days(), max.nominal_days()) {
                    (Some(have), Some(limit)) => have > limit,
                    (None, _) => true,
                    (Some(_), None) => false,
                };
                if too_long {
                    fail(
                        "max_cadence",
                        c.span,
                        format!("rotates {}, longer than the maximum {max}", c.value),
                    );
                }
            }
            if r.runbook && s.runbook.is_none() {
                fail("runbook", name, "has no runbook".into());
            }
            if r.fingerprints && s.fingerprints.is_empty() {
                fail(
                    "fingerprints",
                    name,
                    "has no fingerprint (`keyledger fingerprint NAME`)".into(),
                );
            }
            if r.used_by && s.used_by.is_empty() {
                fail("used_by", name, "lists no consumer in used_by".into());
            }
            if r.last_rotated && s.last_rotated.is_none() {
                fail("last_rotated", name, "records no last_rotated date".into());
            }
            if r.blast_radius && s.blast_radius.is_none() {
                fail("blast_radius", name, "declares no blast_radius".into());
            }
            if !r.exposure.is_empty() && !r.exposure.iter().any(|x| x == s.exposure.value.as_str())
            {
                fail(
                    "exposure",
                    s.exposure.span,
                    format!(
                        "has exposure `{}`, not one of: {}",
                        s.exposure.value.as_str(),
                        r.exposure.join(", ")
                    ),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_packs_parse_and_cite_sources() {
        let packs = builtin_packs().unwrap();
        let names: Vec<&str> = packs.iter().map(|p| p.pack.as_str()).collect();
        assert_eq!(names, ["baseline", "strict", "pci-dss"]);
        let pci = &packs[2];
        assert!(pci.policies.len() >= 4);
        for p in &pci.policies {
            assert!(
                p.source
                    .as_deref()
                    .is_some_and(|s| s.contains("PCI DSS") || s.contains("NIST")),
                "{} cites nothing",
                p.id
            );
        }
    }

    #[test]
    fn malformed_policy_is_located() {
        let src = SourceFile::new(
            ".keyledger/policies/x.yaml",
            "id: my-policy\ndescription: d\nrequire:\n  max_cadense: 90d\n",
        );
        let e = parse_file(&src, "x").unwrap_err();
        assert!(
            e[0].one_line()
                .starts_with(".keyledger/policies/x.yaml:4:3: policy: unknown field `max_cadense`"),
            "{}",
            e[0].one_line()
        );
        assert_eq!(e[0].help.as_deref(), Some("did you mean `max_cadence`?"));
    }
}
