//! The export formats: detection from the content, extraction of the
//! metadata keyledger uses, and the masking of any value an export holds.
//!
//! | format | detected by |
//! | --- | --- |
//! | `aws secretsmanager list-secrets` | an object with `SecretList` |
//! | `aws secretsmanager describe-secret` (and `get-secret-value`) | an object with `ARN` and `Name` |
//! | `aws secretsmanager list-secret-version-ids` | an object with `ARN` and `Versions` |
//! | `az keyvault secret list` / `list-versions` | an array of objects with `attributes` and a `…/secrets/…` `id` |
//! | `az keyvault key list` / `list-versions` | an array of objects with `attributes` and a `…/keys/…` `kid` |
//! | `gcloud secrets list --format=json` | an array of objects named `projects/*/secrets/*` |
//! | `gcloud secrets versions list --format=json` | an array of objects named `projects/*/secrets/*/versions/*` |
//! | `vault kv metadata get -format=json` | an object whose `data` has `versions` and `current_version` |
//! | `kubectl get secrets -o json` | `kind: List` of `kind: Secret`, or one `Secret` |
//!
//! The REST envelopes of the same lists (Azure `{"value": [...],
//! "nextLink"}`, GCP `{"secrets"|"versions": [...], "nextPageToken"}`) are
//! read too; a page with a next-page token is one page of several.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use jiff::Timestamp;

use super::json::{self, Node, Value};
use super::refs::{self, Arn, Id, Scope, Store};
use super::{Evidence, Export, Item, Stamp, Version, escape};
use crate::diag::{Diag, ErrorCode, Fatal};
use crate::source::{SourceFile, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    AwsListSecrets,
    AwsDescribeSecret,
    AwsGetSecretValue,
    AwsVersionIds,
    AzureSecrets,
    AzureKeys,
    GcpSecrets,
    GcpVersions,
    VaultMetadata,
    Kubernetes,
}

impl Format {
    pub fn name(&self) -> &'static str {
        match self {
            Format::AwsListSecrets => "aws secretsmanager list-secrets",
            Format::AwsDescribeSecret => "aws secretsmanager describe-secret",
            Format::AwsGetSecretValue => "aws secretsmanager get-secret-value (value discarded)",
            Format::AwsVersionIds => "aws secretsmanager list-secret-version-ids",
            Format::AzureSecrets => "az keyvault secret list",
            Format::AzureKeys => "az keyvault key list",
            Format::GcpSecrets => "gcloud secrets list",
            Format::GcpVersions => "gcloud secrets versions list",
            Format::VaultMetadata => "vault kv metadata get",
            Format::Kubernetes => "kubectl get secrets",
        }
    }
    pub fn store(&self) -> Store {
        match self {
            Format::AwsListSecrets
            | Format::AwsDescribeSecret
            | Format::AwsGetSecretValue
            | Format::AwsVersionIds => Store::Aws,
            Format::AzureSecrets | Format::AzureKeys => Store::Azure,
            Format::GcpSecrets | Format::GcpVersions => Store::Gcp,
            Format::VaultMetadata => Store::Vault,
            Format::Kubernetes => Store::Kubernetes,
        }
    }
}

const EXPECTED: &str = "expected the JSON output of one of: aws secretsmanager list-secrets / describe-secret / list-secret-version-ids, az keyvault secret list / key list-versions, gcloud secrets list / versions list --format=json, vault kv metadata get -format=json, kubectl get secrets -o json";

// ------------------------------------------------------------- masking ----

/// JSON Web Key members that are private or symmetric key material.
const JWK_PRIVATE: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "k", "t"];

/// Does this member hold a secret value (and so get discarded)?
fn holds_value(key: &str, parent: &Node, value: &Node) -> bool {
    match key {
        "SecretString" | "SecretBinary" | "stringData" | "payload" | "binaryData" => true,
        "kubectl.kubernetes.io/last-applied-configuration" => true,
        // An Azure REST list envelope's `value` is the array of items; a
        // `secret show`'s `value` is the secret.
        "value" => !matches!(value.value, Value::Arr(_)),
        // Vault's response envelope keeps its metadata under `data`;
        // anywhere else (`kind: Secret`, `kv get`'s `data.data`) it is values.
        "data" => {
            !(parent.get("request_id").is_some()
                || parent.get("lease_id").is_some()
                || parent.get("lease_duration").is_some())
        }
        k if JWK_PRIVATE.contains(&k) => parent.get("kty").is_some(),
        _ => false,
    }
}

/// Drops every value-holding member's content from the tree, and returns
/// the byte ranges of the scalars it held so the kept text masks them.
fn discard_values(node: &mut Node, masked: &mut Vec<Span>) {
    fn leaves(n: &Node, out: &mut Vec<Span>) {
        match &n.value {
            Value::Str(_) => out.push(Span::new(n.span.start + 1, n.span.end.saturating_sub(1))),
            Value::Num(_) | Value::Bool(_) => out.push(n.span),
            Value::Null => {}
            Value::Arr(a) => a.iter().for_each(|x| leaves(x, out)),
            Value::Obj(m) => m.iter().for_each(|x| leaves(&x.value, out)),
        }
    }
    let snapshot = node.clone();
    match &mut node.value {
        Value::Arr(a) => a.iter_mut().for_each(|x| discard_values(x, masked)),
        Value::Obj(members) => {
            for m in members.iter_mut() {
                if holds_value(&m.key, &snapshot, &m.value) {
                    leaves(&m.value, masked);
                    m.value.value = Value::Null;
                } else {
                    discard_values(&mut m.value, masked);
                }
            }
        }
        _ => {}
    }
}

/// Members whose values keyledger shows in snippets of an export: the
/// metadata it reads, and nothing else. Every other string or number in
/// the kept text is masked too, so a field no list of value names knows
/// (a vendor's new one, a hand-edited one) is never quoted either.
const SHOWN: &[&str] = &[
    // AWS
    "ARN",
    "Name",
    "CreatedDate",
    "LastChangedDate",
    "LastRotatedDate",
    "LastAccessedDate",
    "DeletedDate",
    "NextRotationDate",
    "RotationEnabled",
    "RotationLambdaARN",
    "AutomaticallyAfterDays",
    "VersionId",
    "VersionStages",
    "NextToken",
    "KmsKeyId",
    "OwningService",
    "PrimaryRegion",
    // Azure
    "id",
    "kid",
    "name",
    "created",
    "updated",
    "enabled",
    "expires",
    "notBefore",
    "recoverableDays",
    "recoveryLevel",
    "managed",
    "contentType",
    "exportable",
    "nextLink",
    // GCP
    "createTime",
    "destroyTime",
    "state",
    "etag",
    "nextPageToken",
    "totalSize",
    "expireTime",
    // Vault
    "request_id",
    "created_time",
    "current_version",
    "deletion_time",
    "destroyed",
    "updated_time",
    "max_versions",
    "oldest_version",
    "cas_required",
    "delete_version_after",
    // Kubernetes
    "apiVersion",
    "kind",
    "type",
    "namespace",
    "creationTimestamp",
    "resourceVersion",
    "uid",
    "time",
    "manager",
    "operation",
    "fieldsType",
    "continue",
];

/// Masks the strings and numbers of every member not in [`SHOWN`].
fn mask_unshown(node: &Node, shown: bool, masked: &mut Vec<Span>) {
    match &node.value {
        Value::Str(_) if !shown => masked.push(Span::new(
            node.span.start + 1,
            node.span.end.saturating_sub(1),
        )),
        Value::Num(_) if !shown => masked.push(node.span),
        Value::Arr(a) => a.iter().for_each(|x| mask_unshown(x, shown, masked)),
        Value::Obj(m) => m
            .iter()
            .for_each(|x| mask_unshown(&x.value, SHOWN.contains(&x.key.as_str()), masked)),
        _ => {}
    }
}

/// The text with the masked ranges overwritten by `*` (byte for byte, so
/// every position stays where it was).
fn mask(text: String, masked: &[Span]) -> String {
    if masked.is_empty() {
        return text;
    }
    let mut bytes = text.into_bytes();
    for s in masked {
        for b in bytes.iter_mut().take(s.end).skip(s.start) {
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
    }
    // Masking replaced whole UTF-8 sequences inside JSON strings and
    // numbers only, so the bytes are still UTF-8; lossy is a no-op guard.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Raw control characters (JSON allows DEL and C1 raw in strings) and
/// bidirectional overrides become `?`, byte for byte, so a snippet of the
/// export cannot drive the terminal.
fn neutralize(text: String) -> String {
    let bad = |c: char| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(bad) {
        return text;
    }
    text.chars()
        .map(|c| {
            if bad(c) {
                "?".repeat(c.len_utf8())
            } else {
                c.to_string()
            }
        })
        .collect()
}

// ------------------------------------------------------------- reading ----

/// Reads one export: parse, discard values, detect the format, extract.
pub fn read_export(
    display: &str,
    text: String,
    reference: Option<&str>,
    path: &Path,
) -> Result<(Export, Vec<Item>), Fatal> {
    let mut tree = match json::parse(&text) {
        Ok(t) => t,
        Err(e) => {
            let src = SourceFile::new(display, text);
            let at = src.line_col(e.offset);
            return Err(Diag::plain(
                ErrorCode::Evidence,
                format!(
                    "{display}:{}:{}: damaged export: {}",
                    at.line, at.column, e.message
                ),
            )
            .with_help(format!("{EXPECTED}; export it again"))
            .into());
        }
    };
    let mut masked = Vec::new();
    discard_values(&mut tree, &mut masked);
    mask_unshown(&tree, false, &mut masked);
    let source = SourceFile::new(display, neutralize(mask(text, &masked)));
    let mut x = Extract {
        src: source.clone(),
        errors: Vec::new(),
        items: Vec::new(),
        index: Default::default(),
    };
    let (format, coverage, next_page) = x.detect(&tree, reference, path);
    if !x.errors.is_empty() {
        return Err(Fatal(remask(display, &source, x.errors)));
    }
    let Some(format) = format else {
        return Err(Fatal(x.errors));
    };
    Ok((
        Export {
            source,
            format,
            coverage,
            next_page,
            items: x.items.len(),
        },
        x.items,
    ))
}

/// Errors point at values keyledger could not read (a date that is not a
/// date): those values are masked too before a snippet quotes them.
fn remask(display: &str, source: &Arc<SourceFile>, errors: Vec<Diag>) -> Vec<Diag> {
    let bytes = source.text.as_bytes();
    let spans: Vec<Span> = errors
        .iter()
        .filter_map(|d| d.labels.first().map(|l| l.0))
        .filter_map(|s| match bytes.get(s.start) {
            Some(b'"') => Some(Span::new(s.start + 1, s.end.saturating_sub(1))),
            Some(b'-' | b'0'..=b'9') => Some(s),
            _ => None,
        })
        .collect();
    let src = SourceFile::new(display, mask(source.text.clone(), &spans));
    errors
        .into_iter()
        .map(|d| {
            let mut labels = d.labels.into_iter();
            let Some((span, label)) = labels.next() else {
                return Diag::plain(d.code.clone(), d.message);
            };
            let mut n = Diag::at(d.code.clone(), d.message, &src, span, label);
            n.labels.extend(labels);
            match d.help {
                Some(h) => n.with_help(h),
                None => n,
            }
        })
        .collect()
}

/// A page that says more pages follow is incomplete unless the last page
/// of the same store was read too.
pub fn unfinished_paging(ev: &Evidence) -> Vec<Diag> {
    let mut out = Vec::new();
    for e in &ev.exports {
        let Some(span) = e.next_page else { continue };
        let last_page_read = ev.exports.iter().any(|o| {
            o.format == e.format
                && o.next_page.is_none()
                && o.coverage.is_some() == e.coverage.is_some()
        });
        if !last_page_read {
            out.push(
                Diag::at(
                    ErrorCode::Evidence,
                    format!(
                        "the export {} is one page of a longer listing, and no last page was given",
                        e.source.name
                    ),
                    &e.source,
                    span,
                    "more pages follow",
                )
                .with_help("export every page (the CLIs page by themselves unless --max-items, --limit or --page-size stop them) and pass each with --evidence"),
            );
        }
    }
    out
}

struct Extract {
    src: Arc<SourceFile>,
    errors: Vec<Diag>,
    items: Vec<Item>,
    /// Item key → index, for the versions of one item.
    index: std::collections::HashMap<String, usize>,
}

fn is_arr_of_objs(n: &Node) -> Option<&[Node]> {
    n.arr()
}

impl Extract {
    fn error(&mut self, span: Span, msg: impl Into<String>, label: &str) {
        self.errors.push(
            Diag::at(ErrorCode::Evidence, msg, &self.src, span, label.to_string()).with_help(
                "keyledger reads the JSON the vendors' CLIs print; export it again without editing",
            ),
        );
    }

    fn unknown(&mut self, span: Span, what: &str) {
        let display = self.src.name.clone();
        self.errors.push(
            Diag::at(
                ErrorCode::Evidence,
                format!("{display}: not a recognized export: {what}"),
                &self.src,
                span,
                "not an export keyledger reads",
            )
            .with_help(EXPECTED),
        );
    }

    /// A required string member.
    fn req_str<'n>(&mut self, n: &'n Node, key: &str) -> Option<&'n str> {
        match n.get(key) {
            Some(v) => match v.str() {
                Some(s) if !s.is_empty() => Some(s),
                _ => {
                    self.error(
                        v.span,
                        format!("`{key}` must be a non-empty string, found {}", v.kind()),
                        "expected a string",
                    );
                    None
                }
            },
            None => {
                self.error(
                    n.span,
                    format!("this item has no `{key}`"),
                    &format!("`{key}` missing"),
                );
                None
            }
        }
    }

    /// An optional date member: ISO 8601 with an offset, or epoch seconds.
    fn stamp(&mut self, n: &Node, key: &'static str) -> Option<Stamp> {
        let v = n.field(key)?;
        match parse_time(v) {
            Ok(Some(at)) => Some(Stamp {
                at,
                field: key,
                span: v.span,
            }),
            Ok(None) => None,
            Err(e) => {
                self.error(v.span, format!("`{key}`: {e}"), "not a date-time");
                None
            }
        }
    }

    fn flag(&mut self, n: &Node, key: &str) -> Option<bool> {
        let v = n.field(key)?;
        match v.bool() {
            Some(b) => Some(b),
            None => {
                self.error(
                    v.span,
                    format!("`{key}` must be true or false, found {}", v.kind()),
                    "expected a boolean",
                );
                None
            }
        }
    }

    fn item(&self, id: Id, span: Span) -> Item {
        Item {
            id,
            source: self.src.clone(),
            span,
            changed: None,
            latest: None,
            rotation_enabled: None,
            versions: Vec::new(),
            deleted: None,
            unowned: None,
        }
    }

    fn detect(
        &mut self,
        root: &Node,
        reference: Option<&str>,
        path: &Path,
    ) -> (Option<Format>, Option<Scope>, Option<Span>) {
        // Paging tokens that say another page follows.
        let token = |key: &str| {
            root.field(key)
                .filter(|t| t.str().is_some_and(|s| !s.is_empty()))
                .map(|t| t.span)
        };
        if root.is_obj() {
            if let Some(list) = root.get("SecretList") {
                return self.aws_list(list, token("NextToken"));
            }
            if root.get("ARN").is_some() && root.get("Versions").is_some() {
                self.aws_versions(root);
                return (Some(Format::AwsVersionIds), None, token("NextToken"));
            }
            if root.get("ARN").is_some()
                || (root.get("Name").is_some() && root.get("LastChangedDate").is_some())
            {
                let f = if root.get("VersionId").is_some() {
                    Format::AwsGetSecretValue
                } else {
                    Format::AwsDescribeSecret
                };
                if let Some(it) = self.aws_secret(root, f) {
                    self.items.push(it);
                }
                return (Some(f), None, None);
            }
            if let Some(items) = root.get("value").and_then(is_arr_of_objs) {
                let (f, c) = self.azure(items, root.get("value").map_or(root.span, |v| v.span));
                return (f, c, token("nextLink"));
            }
            for key in ["secrets", "versions"] {
                if let Some(items) = root.get(key).and_then(is_arr_of_objs)
                    && root.get("data").is_none()
                {
                    let (f, c) = self.gcp(items, root.get(key).map_or(root.span, |v| v.span));
                    return (f, c, token("nextPageToken"));
                }
            }
            let data = root.get("data").filter(|d| d.is_obj()).unwrap_or(root);
            if data.get("versions").is_some() && data.get("current_version").is_some() {
                self.vault(data, root.span, reference, path);
                return (Some(Format::VaultMetadata), None, None);
            }
            match root.str_of("kind") {
                Some("Secret") => {
                    if let Some(it) = self.kube_secret(root) {
                        self.items.push(it);
                    }
                    return (Some(Format::Kubernetes), None, None);
                }
                Some("List" | "SecretList") => {
                    let items = root.get("items").and_then(Node::arr).unwrap_or_default();
                    let mut namespaces = BTreeSet::new();
                    for it in items {
                        if it.str_of("kind").is_some_and(|k| k != "Secret") {
                            self.error(
                                it.span,
                                "a Kubernetes list item that is not a `Secret`",
                                "not a Secret",
                            );
                            continue;
                        }
                        if let Some(x) = self.kube_secret(it) {
                            if let Id::Kubernetes {
                                namespace: Some(ns),
                                ..
                            } = &x.id
                            {
                                namespaces.insert(ns.clone());
                            }
                            self.items.push(x);
                        }
                    }
                    let next = root
                        .get("metadata")
                        .and_then(|m| m.field("continue"))
                        .filter(|t| t.str().is_some_and(|s| !s.is_empty()))
                        .map(|t| t.span);
                    return (
                        Some(Format::Kubernetes),
                        Some(Scope::Kubernetes(namespaces)),
                        next,
                    );
                }
                _ => {}
            }
            self.unknown(
                root.span,
                "an object without the members of any known export",
            );
            return (None, None, None);
        }
        if let Some(items) = root.arr() {
            let Some(first) = items.first() else {
                self.unknown(
                    root.span,
                    "an empty array (keyledger cannot tell which store it lists)",
                );
                return (None, None, None);
            };
            if first.get("attributes").is_some() {
                let (f, c) = self.azure(items, root.span);
                return (f, c, None);
            }
            if first
                .str_of("name")
                .is_some_and(|n| n.starts_with("projects/"))
            {
                let (f, c) = self.gcp(items, root.span);
                return (f, c, None);
            }
            self.unknown(first.span, "an array whose items belong to no known export");
            return (None, None, None);
        }
        self.unknown(
            root.span,
            &format!("{} instead of an object or an array", root.kind()),
        );
        (None, None, None)
    }

    // ---------------------------------------------------------- AWS ----

    fn aws_list(
        &mut self,
        list: &Node,
        next: Option<Span>,
    ) -> (Option<Format>, Option<Scope>, Option<Span>) {
        let Some(entries) = list.arr() else {
            self.error(
                list.span,
                format!("`SecretList` must be an array, found {}", list.kind()),
                "expected an array",
            );
            return (Some(Format::AwsListSecrets), None, None);
        };
        let mut scope = BTreeSet::new();
        for e in entries {
            if !e.is_obj() {
                self.error(
                    e.span,
                    "a `SecretList` entry must be an object",
                    "expected an object",
                );
                continue;
            }
            if let Some(it) = self.aws_secret(e, Format::AwsListSecrets) {
                if let Id::Aws { arn: Some(a), .. } = &it.id {
                    scope.insert((a.region.clone(), a.account.clone()));
                }
                self.items.push(it);
            }
        }
        (Some(Format::AwsListSecrets), Some(Scope::Aws(scope)), next)
    }

    fn aws_secret(&mut self, e: &Node, f: Format) -> Option<Item> {
        let arn = match e.field("ARN") {
            Some(a) => match a.str().and_then(Arn::parse) {
                Some(x) => Some(x),
                None => {
                    self.error(a.span, "`ARN` is not a Secrets Manager secret ARN (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME)", "not a secret ARN");
                    None
                }
            },
            None => None,
        };
        let name = match e.field("Name") {
            Some(_) => self.req_str(e, "Name")?.to_string(),
            None => match &arn {
                // The ARN's resource is the name and a six-character suffix.
                Some(a) => a
                    .resource
                    .rsplit_once('-')
                    .map_or(a.resource.clone(), |(n, _)| n.to_string()),
                None => {
                    self.error(
                        e.span,
                        "this secret has neither `Name` nor `ARN`",
                        "`Name` missing",
                    );
                    return None;
                }
            },
        };
        let span = e
            .get("Name")
            .or_else(|| e.get("ARN"))
            .map_or(e.span, |n| n.span);
        let mut it = self.item(Id::Aws { name, arn }, span);
        let created = self.stamp(e, "CreatedDate");
        let changed = self.stamp(e, "LastChangedDate");
        let rotated = self.stamp(e, "LastRotatedDate");
        it.deleted = self.stamp(e, "DeletedDate");
        it.rotation_enabled = self.flag(e, "RotationEnabled");
        if matches!(f, Format::AwsListSecrets | Format::AwsDescribeSecret) {
            // Secrets Manager leaves `RotationEnabled` out until rotation
            // is configured.
            it.rotation_enabled = it.rotation_enabled.or(Some(false));
        }
        if f == Format::AwsGetSecretValue {
            // get-secret-value's CreatedDate is the current version's.
            it.changed = created.clone().map(|s| Stamp {
                field: "CreatedDate (current version)",
                ..s
            });
            it.latest = it.changed.clone();
        } else {
            // Rotation and the change it makes land seconds apart: name the
            // rotation when both fall on the same day.
            it.latest = super::later(
                super::later(rotated.clone(), changed.clone()),
                created.clone(),
            );
            it.changed = match (rotated, changed) {
                (Some(r), Some(c)) if r.date() == c.date() => Some(r),
                (r, c) => super::later(r, c),
            }
            .or(created);
        }
        Some(it)
    }

    fn aws_versions(&mut self, root: &Node) {
        let Some(mut it) = self.aws_secret(root, Format::AwsVersionIds) else {
            return;
        };
        it.changed = None;
        it.latest = None;
        let Some(versions) = root.get("Versions").and_then(Node::arr) else {
            self.error(
                root.span,
                "`Versions` must be an array",
                "expected an array",
            );
            return;
        };
        for v in versions {
            let stages: Vec<&str> = v
                .get("VersionStages")
                .and_then(Node::arr)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::str)
                .collect();
            let created = self.stamp(v, "CreatedDate");
            if stages.contains(&"AWSCURRENT") {
                it.changed = created.clone().map(|s| Stamp {
                    field: "CreatedDate (AWSCURRENT version)",
                    ..s
                });
            }
            it.latest = super::later(it.latest.take(), created);
        }
        self.items.push(it);
    }

    // -------------------------------------------------------- Azure ----

    fn azure(&mut self, items: &[Node], span: Span) -> (Option<Format>, Option<Scope>) {
        // (vault, key, name) → index into self.items, for versions.
        let mut format = None;
        let mut versioned = false;
        let mut vaults: BTreeSet<(String, bool)> = BTreeSet::new();
        for n in items {
            let (field, url) = match (n.get("kid"), n.get("id")) {
                (Some(k), _) => ("kid", k),
                (None, Some(i)) => ("id", i),
                _ => {
                    self.error(
                        n.span,
                        "a Key Vault item without `id` or `kid`",
                        "`id` missing",
                    );
                    continue;
                }
            };
            let Some((vault, key, name, version)) = url.str().and_then(refs::azure_url) else {
                self.error(url.span, format!("`{field}` is not a Key Vault URL (https://VAULT.vault.azure.net/secrets|keys/NAME[/VERSION])"), "not a Key Vault URL");
                continue;
            };
            let f = if key {
                Format::AzureKeys
            } else {
                Format::AzureSecrets
            };
            if format.is_some_and(|x| x != f) {
                self.error(
                    n.span,
                    "secrets and keys mixed in one export; export them separately",
                    "a different kind",
                );
                continue;
            }
            format = Some(f);
            let Some(attrs) = n.get("attributes").filter(|a| a.is_obj()) else {
                self.error(
                    n.span,
                    "a Key Vault item without an `attributes` object",
                    "`attributes` missing",
                );
                continue;
            };
            let created = self.stamp(attrs, "created");
            let updated = self.stamp(attrs, "updated");
            let enabled = self.flag(attrs, "enabled").unwrap_or(true);
            let id = Id::Azure {
                vault: vault.clone(),
                key,
                name,
            };
            let span_name = n.get("name").map_or(url.span, |x| x.span);
            let managed = n.field("managed").and_then(Node::bool) == Some(true);
            let key_str = id.key();
            let idx = match self.index.get(&key_str) {
                Some(&i) => i,
                None => {
                    self.index.insert(key_str, self.items.len());
                    let mut it = self.item(id, span_name);
                    if managed {
                        it.unowned = Some("managed by a Key Vault certificate");
                    }
                    self.items.push(it);
                    self.items.len() - 1
                }
            };
            match version {
                None => {
                    vaults.insert((vault, key));
                    let it = &mut self.items[idx];
                    // The secret's `updated` moves when its value (a new
                    // current version) or its attributes change.
                    it.changed = super::later(updated.clone(), None).or(created.clone());
                    it.latest = super::later(updated, created);
                }
                Some(v) => {
                    versioned = true;
                    let Some(c) = created.clone() else {
                        self.error(
                            attrs.span,
                            "a version without `attributes.created`",
                            "`created` missing",
                        );
                        continue;
                    };
                    let it = &mut self.items[idx];
                    it.versions.push(Version {
                        id: escape(&v),
                        created: c.at,
                        enabled,
                        destroyed: false,
                        disabled_at: if enabled {
                            None
                        } else {
                            updated.as_ref().map(|u| u.at)
                        },
                        source: self.src.clone(),
                        span: url.span,
                    });
                    // A new version is a rotation.
                    it.changed = super::later(
                        it.changed.take(),
                        Some(Stamp {
                            field: "attributes.created (newest version)",
                            ..c
                        }),
                    );
                    it.latest = super::later(it.latest.take(), super::later(updated, created));
                }
            }
        }
        let _ = span;
        // A list without versions covers the vault; a list of one item's
        // versions covers only that item.
        let coverage = match (versioned, vaults.len()) {
            (false, 1) => vaults
                .into_iter()
                .next()
                .map(|(vault, key)| Scope::Azure { vault, key }),
            _ => None,
        };
        (format, coverage)
    }

    // ---------------------------------------------------------- GCP ----

    fn gcp(&mut self, items: &[Node], _span: Span) -> (Option<Format>, Option<Scope>) {
        let mut format = None;
        let mut projects = BTreeSet::new();
        for n in items {
            let Some(name_node) = n.get("name") else {
                self.error(
                    n.span,
                    "a Secret Manager item without `name`",
                    "`name` missing",
                );
                continue;
            };
            let Some((project, location, name, version)) = name_node.str().and_then(refs::gcp_name)
            else {
                self.error(name_node.span, "`name` is not a Secret Manager resource name (projects/P/secrets/S[/versions/V])", "not a resource name");
                continue;
            };
            let f = if version.is_some() {
                Format::GcpVersions
            } else {
                Format::GcpSecrets
            };
            if format.is_some_and(|x| x != f) {
                self.error(
                    n.span,
                    "secrets and versions mixed in one export; export them separately",
                    "a different kind",
                );
                continue;
            }
            format = Some(f);
            projects.insert(project.clone());
            let created = self.stamp(n, "createTime");
            let id = Id::Gcp {
                project,
                location,
                name,
            };
            let key = id.key();
            let idx = match self.index.get(&key) {
                Some(&i) => i,
                None => {
                    self.index.insert(key, self.items.len());
                    self.items.push(self.item(id, name_node.span));
                    self.items.len() - 1
                }
            };
            match version {
                None => {
                    // A secret's createTime is its creation: new versions
                    // (rotations) do not move it, so `secrets list` alone
                    // dates nothing; `versions list` does.
                    let _ = created;
                }
                Some(v) => {
                    let state = match n.str_of("state") {
                        Some(s @ ("ENABLED" | "DISABLED" | "DESTROYED")) => s,
                        _ => {
                            self.error(
                                n.get("state").map_or(n.span, |s| s.span),
                                "`state` must be ENABLED, DISABLED or DESTROYED",
                                "unknown state",
                            );
                            continue;
                        }
                    };
                    let Some(c) = created else {
                        self.error(
                            n.span,
                            "a version without `createTime`",
                            "`createTime` missing",
                        );
                        continue;
                    };
                    let destroyed = self.stamp(n, "destroyTime");
                    let it = &mut self.items[idx];
                    it.versions.push(Version {
                        id: escape(&v),
                        created: c.at,
                        enabled: state == "ENABLED",
                        destroyed: state == "DESTROYED",
                        disabled_at: destroyed.as_ref().map(|d| d.at),
                        source: self.src.clone(),
                        span: name_node.span,
                    });
                    if state != "DESTROYED" {
                        it.changed = super::later(
                            it.changed.take(),
                            Some(Stamp {
                                field: "createTime (newest version)",
                                ..c.clone()
                            }),
                        );
                    }
                    it.latest = super::later(it.latest.take(), Some(c));
                }
            }
        }
        let coverage = match format {
            Some(Format::GcpSecrets) if projects.len() <= 1 => {
                Some(Scope::Gcp(projects.into_iter().next()))
            }
            _ => None,
        };
        (format, coverage)
    }

    // -------------------------------------------------------- Vault ----

    fn vault(&mut self, data: &Node, span: Span, reference: Option<&str>, path: &Path) {
        let path = match reference {
            Some(r) => refs::vault_path(r),
            None => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.is_empty() && s != "-")
                .unwrap_or_default(),
        };
        if path.is_empty() {
            self.error(span, "a `vault kv metadata get` export does not name its secret; name it in keyledger.toml (`evidence = [{ path = \"FILE\", ref = \"secret/app\" }]`) or save it as APP.json", "which secret?");
            return;
        }
        let mut it = self.item(
            Id::Vault { path },
            data.get("current_version").map_or(span, |c| c.span),
        );
        let current = data.get("current_version").and_then(|c| match &c.value {
            Value::Num(n) => Some(n.clone()),
            _ => None,
        });
        it.latest = self.stamp(data, "updated_time");
        if let Some(versions) = data.get("versions") {
            if !versions.is_obj() {
                self.error(
                    versions.span,
                    "`versions` must be an object",
                    "expected an object",
                );
            }
            for m in versions.members() {
                let v = &m.value;
                let Some(created) = self.stamp(v, "created_time") else {
                    self.error(
                        v.span,
                        "a version without `created_time`",
                        "`created_time` missing",
                    );
                    continue;
                };
                let deleted = self.stamp(v, "deletion_time");
                let destroyed = self.flag(v, "destroyed").unwrap_or(false);
                let as_deleted = deleted.as_ref().map(|d| d.at);
                if current.as_deref() == Some(m.key.as_str()) {
                    it.changed = Some(Stamp {
                        field: "created_time (current version)",
                        ..created.clone()
                    });
                }
                it.versions.push(Version {
                    id: escape(&m.key),
                    created: created.at,
                    // A deletion_time in the future is a scheduled deletion
                    // (delete_version_after): still readable until then.
                    enabled: !destroyed && as_deleted.is_none(),
                    destroyed,
                    disabled_at: as_deleted,
                    source: self.src.clone(),
                    span: m.key_span,
                });
                it.latest = super::later(it.latest.take(), Some(created));
            }
        }
        if it.changed.is_none() {
            it.changed = it.latest.clone();
        }
        self.items.push(it);
    }

    // --------------------------------------------------- Kubernetes ----

    fn kube_secret(&mut self, s: &Node) -> Option<Item> {
        let Some(meta) = s.get("metadata").filter(|m| m.is_obj()) else {
            self.error(s.span, "a Secret without `metadata`", "`metadata` missing");
            return None;
        };
        let name = self.req_str(meta, "name")?.to_string();
        let namespace = meta.str_of("namespace").map(str::to_string);
        let span = meta.get("name").map_or(s.span, |n| n.span);
        let mut it = self.item(Id::Kubernetes { namespace, name }, span);
        let created = self.stamp(meta, "creationTimestamp");
        let mut data_change = None;
        let mut any = created.clone();
        for mf in meta
            .get("managedFields")
            .and_then(Node::arr)
            .unwrap_or_default()
        {
            let t = self.stamp(mf, "time");
            let touches_data = mf
                .get("fieldsV1")
                .is_some_and(|f| f.get("f:data").is_some() || f.get("f:stringData").is_some());
            if touches_data {
                data_change = super::later(
                    data_change,
                    t.clone().map(|x| Stamp {
                        field: "managedFields.time (data)",
                        ..x
                    }),
                );
            }
            any = super::later(any, t);
        }
        it.changed = data_change.or_else(|| {
            created.map(|c| Stamp {
                field: "creationTimestamp",
                ..c
            })
        });
        it.latest = any;
        match s.str_of("type") {
            Some("helm.sh/release.v1") => it.unowned = Some("a Helm release record"),
            Some("kubernetes.io/service-account-token") => {
                it.unowned = Some("a service-account token Kubernetes manages")
            }
            _ => {}
        }
        Some(it)
    }
}

/// A date-time as the CLIs print it: RFC 3339 / ISO 8601 with an offset
/// (fractional seconds allowed), or epoch seconds (AWS CLI v1). Empty
/// strings and `n/a` are "no date".
pub fn parse_time(v: &Node) -> Result<Option<Timestamp>, String> {
    match &v.value {
        Value::Null => Ok(None),
        Value::Str(s) => {
            let t = s.trim();
            if t.is_empty() || t == "n/a" {
                return Ok(None);
            }
            // RFC 3339 allows a space for the `T`, and a lower-case `t`/`z`.
            let norm = if t.len() > 10 && t.as_bytes()[10] == b' ' {
                format!("{}T{}", &t[..10], &t[11..])
            } else {
                t.to_string()
            };
            norm.parse::<Timestamp>().map(Some).map_err(|_| {
                if norm.parse::<jiff::civil::DateTime>().is_ok() {
                    "a date-time without a UTC offset; keyledger needs the offset (Z or +HH:MM) to compare dates".to_string()
                } else {
                    "not an ISO 8601 date-time with an offset (2026-11-23T10:00:00Z) or epoch seconds".to_string()
                }
            })
        }
        Value::Num(n) => {
            let secs: f64 = n.parse().map_err(|_| "not a number".to_string())?;
            if !(0.0..253_402_300_800.0).contains(&secs) {
                return Err("epoch seconds out of range".into());
            }
            let whole = secs.trunc() as i64;
            let nanos = ((secs - secs.trunc()) * 1e9).round() as i32;
            Timestamp::new(whole, nanos.clamp(0, 999_999_999))
                .map(Some)
                .map_err(|e| format!("epoch seconds out of range: {e}"))
        }
        _ => Err(format!("expected a date-time, found {}", v.kind())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Result<Option<Timestamp>, String> {
        parse_time(&json::parse(s).unwrap())
    }

    #[test]
    fn dates_as_the_clis_print_them() {
        let same = t("\"2026-08-01T10:00:00Z\"").unwrap();
        for s in [
            "\"2026-08-01T12:00:00+02:00\"",
            "\"2026-08-01T10:00:00.000000+00:00\"",
            "\"2026-08-01T10:00:00.000000000Z\"",
            "\"2026-08-01 10:00:00+00:00\"",
            "1785578400",
            "1785578400.0",
        ] {
            assert_eq!(t(s).unwrap(), same, "{s}");
        }
        assert_eq!(
            t("1785578400.785").unwrap().unwrap().subsec_millisecond(),
            785
        );
        assert_eq!(t("\"\"").unwrap(), None);
        assert_eq!(t("null").unwrap(), None);
        assert!(t("\"2026-08-01T10:00:00\"").unwrap_err().contains("offset"));
        assert!(t("\"yesterday\"").is_err());
        assert!(t("-5").is_err());
        assert!(t("1e300").is_err());
        assert!(t("true").is_err());
    }

    /// Damage anywhere in a real export is an error or a reading, never a
    /// panic, and errors never quote a value.
    #[test]
    fn damaged_exports_never_panic() {
        // Read at run time: the fixtures are not part of the published crate.
        let exports: Vec<String> = [
            "aws-list-secrets.json",
            "azure-key-versions.json",
            "gcp-secrets-page1.json",
            "stripe-webhook.json",
            "kubectl-secrets.json",
        ]
        .iter()
        .map(|f| {
            let p = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/evidence/demo/exports")
                .join(f);
            std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect();
        let path = Path::new("x.json");
        let mut n = 0;
        for text in &exports {
            let bytes = text.as_bytes();
            for i in (0..bytes.len()).step_by(3) {
                if !bytes[i].is_ascii() {
                    continue;
                }
                for b in [b'"', b'{', b']', b'\\', b'9', b' ', b','] {
                    let mut m = bytes.to_vec();
                    m[i] = b;
                    let Ok(t) = String::from_utf8(m) else {
                        continue;
                    };
                    if let Err(e) = read_export("x.json", t, None, path) {
                        for d in &e.0 {
                            assert!(!d.message.contains("a2wtcGxhbnRlZC"), "{}", d.message);
                        }
                    }
                    n += 1;
                }
                let _ = read_export("x.json", text[..i].to_string(), None, path);
            }
        }
        assert!(n > 5000, "{n}");
    }

    #[test]
    fn values_are_masked_in_place() {
        let text = r#"{"Name": "a", "SecretString": "hunter2-🙂", "x": {"kind": "Secret", "data": {"pw": "c2VjcmV0"}}}"#;
        let mut tree = json::parse(text).unwrap();
        let mut m = Vec::new();
        discard_values(&mut tree, &mut m);
        let masked = mask(text.to_string(), &m);
        assert_eq!(masked.len(), text.len());
        assert!(
            !masked.contains("hunter2") && !masked.contains("c2VjcmV0"),
            "{masked}"
        );
        assert!(masked.contains(r#""Name": "a""#));
        let mut m2 = Vec::new();
        mask_unshown(&tree, false, &mut m2);
        let masked = mask(masked, &m2);
        assert!(masked.contains(r#""Name": "a""#));
        assert!(masked.contains(r#""kind": "Secret""#));
        assert!(!masked.contains("pw\": \"c2V"), "{masked}");
        assert_eq!(tree.get("SecretString").unwrap().value, Value::Null);
        assert!(!format!("{tree:?}").contains("hunter2"));
    }
}
