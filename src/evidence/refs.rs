//! Store identities and how an inventory `store.ref` names them: a name,
//! an ARN (full, or without the six-character suffix AWS appends), a Key
//! Vault URL, a GCP resource name, a Vault path, a Kubernetes
//! `namespace/name`. Comparisons follow each store's rules (Key Vault names
//! are case-insensitive; the others are not).

use std::collections::BTreeSet;

/// A store keyledger reads exports of, by its inventory `store.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Store {
    Aws,
    Azure,
    Gcp,
    Vault,
    Kubernetes,
}

impl Store {
    pub const ALL: [Store; 5] = [
        Store::Aws,
        Store::Azure,
        Store::Gcp,
        Store::Vault,
        Store::Kubernetes,
    ];
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Aws => "aws-secrets-manager",
            Store::Azure => "azure-key-vault",
            Store::Gcp => "gcp-secret-manager",
            Store::Vault => "hashicorp-vault",
            Store::Kubernetes => "kubernetes-secret",
        }
    }
    pub fn from_kind(s: &str) -> Option<Store> {
        Store::ALL.into_iter().find(|k| k.kind() == s)
    }
}

/// An AWS ARN, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    pub full: String,
    pub region: String,
    pub account: String,
    /// After `secret:`: the name, with the random suffix when it has one.
    pub resource: String,
}

impl Arn {
    pub fn parse(s: &str) -> Option<Arn> {
        let mut parts = s.splitn(7, ':');
        let (arn, _partition, service, region, account, kind, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if arn != "arn" || service != "secretsmanager" || kind != "secret" || resource.is_empty() {
            return None;
        }
        Some(Arn {
            full: s.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            resource: resource.to_string(),
        })
    }
}

/// What a store item is, canonically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Id {
    Aws {
        name: String,
        arn: Option<Arn>,
    },
    Azure {
        /// The vault's host name, lower-case (`myvault.vault.azure.net`).
        vault: String,
        /// `keys` (true) or `secrets`.
        key: bool,
        /// Lower-case: Key Vault names are case-insensitive.
        name: String,
    },
    Gcp {
        project: String,
        location: Option<String>,
        name: String,
    },
    Vault {
        path: String,
    },
    Kubernetes {
        namespace: Option<String>,
        name: String,
    },
}

impl Id {
    pub fn store(&self) -> Store {
        match self {
            Id::Aws { .. } => Store::Aws,
            Id::Azure { .. } => Store::Azure,
            Id::Gcp { .. } => Store::Gcp,
            Id::Vault { .. } => Store::Vault,
            Id::Kubernetes { .. } => Store::Kubernetes,
        }
    }

    /// A stable key: merges one item seen in several exports, and keys
    /// fingerprints.
    pub fn key(&self) -> String {
        match self {
            Id::Aws { name, arn } => match arn {
                Some(a) => format!("aws:{}:{}:{name}", a.region, a.account),
                None => format!("aws:{name}"),
            },
            Id::Azure { vault, key, name } => {
                format!(
                    "azure:{vault}/{}/{name}",
                    if *key { "keys" } else { "secrets" }
                )
            }
            Id::Gcp {
                project,
                location,
                name,
            } => match location {
                Some(l) => format!("gcp:projects/{project}/locations/{l}/secrets/{name}"),
                None => format!("gcp:projects/{project}/secrets/{name}"),
            },
            Id::Vault { path } => format!("vault:{path}"),
            Id::Kubernetes { namespace, name } => {
                format!("kubernetes:{}/{name}", namespace.as_deref().unwrap_or(""))
            }
        }
    }

    /// How people write it, for messages.
    pub fn display(&self) -> String {
        let s = match self {
            Id::Aws { name, .. } => name.clone(),
            Id::Azure { vault, key, name } => {
                format!(
                    "https://{vault}/{}/{name}",
                    if *key { "keys" } else { "secrets" }
                )
            }
            Id::Gcp {
                project,
                location,
                name,
            } => match location {
                Some(l) => format!("projects/{project}/locations/{l}/secrets/{name}"),
                None => format!("projects/{project}/secrets/{name}"),
            },
            Id::Vault { path } => path.clone(),
            Id::Kubernetes { namespace, name } => match namespace {
                Some(n) => format!("{n}/{name}"),
                None => name.clone(),
            },
        };
        super::escape(&s)
    }

    /// The name every reference to this item shares (an index key: a
    /// pattern is only compared with the items of its lookup names).
    pub fn lookup(&self) -> String {
        match self {
            Id::Aws { name, .. } => name.clone(),
            Id::Azure { name, .. } | Id::Gcp { name, .. } | Id::Kubernetes { name, .. } => {
                name.clone()
            }
            Id::Vault { path } => last_segment(&vault_path(path)).to_string(),
        }
    }

    /// The `store.ref` an inventory entry would write for it.
    pub fn suggested_ref(&self) -> String {
        match self {
            Id::Aws { name, .. } => super::escape(name),
            _ => self.display(),
        }
    }
}

/// Parses a Key Vault URL: `https://VAULT/secrets|keys/NAME[/VERSION]`.
pub fn azure_url(s: &str) -> Option<(String, bool, String, Option<String>)> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))?;
    let mut seg = rest.trim_end_matches('/').split('/');
    let host = seg.next()?.to_ascii_lowercase();
    let key = match seg.next()? {
        "secrets" => false,
        "keys" => true,
        _ => return None,
    };
    let name = seg.next().filter(|n| !n.is_empty())?.to_ascii_lowercase();
    let version = seg.next().map(str::to_string);
    if seg.next().is_some() || host.is_empty() {
        return None;
    }
    Some((host, key, name, version))
}

/// Parses `projects/P/[locations/L/]secrets/S[/versions/V]` (also with a
/// `//secretmanager.googleapis.com/` prefix).
pub fn gcp_name(s: &str) -> Option<(String, Option<String>, String, Option<String>)> {
    let s = s
        .strip_prefix("//secretmanager.googleapis.com/")
        .unwrap_or(s);
    let seg: Vec<&str> = s.split('/').collect();
    let (project, location, rest) = match seg.as_slice() {
        ["projects", p, "locations", l, rest @ ..] => (*p, Some(l.to_string()), rest),
        ["projects", p, rest @ ..] => (*p, None, rest),
        _ => return None,
    };
    let (name, version) = match rest {
        ["secrets", n] => (*n, None),
        ["secrets", n, "versions", v] => (*n, Some(v.to_string())),
        _ => return None,
    };
    if project.is_empty() || name.is_empty() {
        return None;
    }
    Some((project.to_string(), location, name.to_string(), version))
}

/// A Vault path without the KV v2 API segment: `secret/data/app` and
/// `secret/metadata/app` are `secret/app`.
pub fn vault_path(s: &str) -> String {
    let s = s.trim_matches('/');
    let seg: Vec<&str> = s.split('/').collect();
    if seg.len() >= 3 && (seg[1] == "data" || seg[1] == "metadata") {
        let mut v = vec![seg[0]];
        v.extend(&seg[2..]);
        v.join("/")
    } else {
        s.to_string()
    }
}

/// An inventory `store.ref`, read for its store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    AwsName(String),
    AwsArn(Arn),
    Azure {
        vault: Option<String>,
        key: Option<bool>,
        name: String,
    },
    Gcp {
        project: Option<String>,
        name: String,
    },
    Vault(String),
    Kubernetes {
        namespace: Option<String>,
        name: String,
    },
}

fn last_segment(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Vault host or bare vault name, compared by the vault's name.
fn vault_name(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// GCP projects appear as ids (`my-project`) or numbers (`123456789012`);
/// an id and a number cannot be compared, so they do not disagree.
fn same_project(a: &str, b: &str) -> bool {
    let num = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    a == b || num(a) != num(b)
}

impl Pattern {
    /// `implicit`: the entry has no `store.ref` and its name stands in.
    pub fn parse(store: Store, r: &str, _implicit: bool) -> Pattern {
        let r = r.trim();
        match store {
            Store::Aws => match Arn::parse(r) {
                Some(a) => Pattern::AwsArn(a),
                None => Pattern::AwsName(r.to_string()),
            },
            Store::Azure => {
                if let Some((vault, key, name, _)) = azure_url(r) {
                    return Pattern::Azure {
                        vault: Some(vault),
                        key: Some(key),
                        name,
                    };
                }
                match r.split_once('/') {
                    Some((v, n)) if !n.contains('/') => Pattern::Azure {
                        vault: Some(v.to_ascii_lowercase()),
                        key: None,
                        name: n.to_ascii_lowercase(),
                    },
                    _ => Pattern::Azure {
                        vault: None,
                        key: None,
                        name: r.to_ascii_lowercase(),
                    },
                }
            }
            Store::Gcp => match gcp_name(r) {
                Some((p, _, n, _)) => Pattern::Gcp {
                    project: Some(p),
                    name: n,
                },
                None => Pattern::Gcp {
                    project: None,
                    name: r.to_string(),
                },
            },
            Store::Vault => Pattern::Vault(vault_path(r)),
            Store::Kubernetes => match r.split_once('/') {
                Some((ns, n)) if !n.contains('/') && ns != "secret" && ns != "secrets" => {
                    Pattern::Kubernetes {
                        namespace: Some(ns.to_string()),
                        name: n.to_string(),
                    }
                }
                Some((_, n)) if !n.contains('/') => Pattern::Kubernetes {
                    namespace: None,
                    name: n.to_string(),
                },
                _ => Pattern::Kubernetes {
                    namespace: None,
                    name: r.to_string(),
                },
            },
        }
    }

    /// The lookup names of the items this pattern can match (see
    /// [`Id::lookup`]).
    pub fn lookups(&self) -> Vec<String> {
        match self {
            Pattern::AwsName(n) => vec![n.clone()],
            Pattern::AwsArn(a) => {
                let mut v = vec![a.resource.clone()];
                if let Some((n, suffix)) = a.resource.rsplit_once('-')
                    && suffix.len() == 6
                {
                    v.push(n.to_string());
                }
                v
            }
            Pattern::Azure { name, .. }
            | Pattern::Gcp { name, .. }
            | Pattern::Kubernetes { name, .. } => vec![name.clone()],
            Pattern::Vault(p) => vec![last_segment(p).to_string()],
        }
    }

    pub fn store(&self) -> Store {
        match self {
            Pattern::AwsName(_) | Pattern::AwsArn(_) => Store::Aws,
            Pattern::Azure { .. } => Store::Azure,
            Pattern::Gcp { .. } => Store::Gcp,
            Pattern::Vault(_) => Store::Vault,
            Pattern::Kubernetes { .. } => Store::Kubernetes,
        }
    }

    pub fn matches(&self, id: &Id) -> bool {
        match (self, id) {
            (Pattern::AwsName(n), Id::Aws { name, .. }) => n == name,
            (Pattern::AwsArn(p), Id::Aws { name, arn }) => match arn {
                Some(a) => {
                    a.full == p.full
                        || a.full
                            .strip_prefix(p.full.as_str())
                            .is_some_and(|rest| rest.len() == 7 && rest.starts_with('-'))
                        || (a.region == p.region && a.account == p.account && p.resource == *name)
                }
                None => p.resource == *name,
            },
            (
                Pattern::Azure { vault, key, name },
                Id::Azure {
                    vault: v,
                    key: k,
                    name: n,
                },
            ) => {
                name == n
                    && vault
                        .as_deref()
                        .is_none_or(|x| vault_name(x) == vault_name(v))
                    && key.is_none_or(|x| x == *k)
            }
            (
                Pattern::Gcp { project, name },
                Id::Gcp {
                    project: p,
                    name: n,
                    ..
                },
            ) => name == n && project.as_deref().is_none_or(|x| same_project(x, p)),
            (Pattern::Vault(p), Id::Vault { path }) => {
                let path = vault_path(path);
                *p == path || p.ends_with(&format!("/{path}")) || path.ends_with(&format!("/{p}"))
            }
            (
                Pattern::Kubernetes { namespace, name },
                Id::Kubernetes {
                    namespace: ns,
                    name: n,
                },
            ) => {
                name == n
                    && match (namespace, ns) {
                        (Some(a), Some(b)) => a == b,
                        (Some(a), None) => a == "default",
                        _ => true,
                    }
            }
            _ => false,
        }
    }
}

/// What a complete listing covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `list-secrets` of these (region, account) pairs; empty when the list
    /// was empty (any AWS reference without an ARN).
    Aws(BTreeSet<(String, String)>),
    /// A vault's secrets or keys.
    Azure { vault: String, key: bool },
    /// A project's secrets (`None`: the list was empty).
    Gcp(Option<String>),
    /// The namespaces of a `kubectl get secrets` list.
    Kubernetes(BTreeSet<String>),
}

impl Scope {
    pub fn covers(&self, p: &Pattern) -> bool {
        match (self, p) {
            (Scope::Aws(_), Pattern::AwsName(_)) => true,
            (Scope::Aws(set), Pattern::AwsArn(a)) => {
                set.contains(&(a.region.clone(), a.account.clone()))
            }
            (
                Scope::Azure { vault, key },
                Pattern::Azure {
                    vault: v, key: k, ..
                },
            ) => {
                v.as_deref()
                    .is_none_or(|x| vault_name(x) == vault_name(vault))
                    && k.is_none_or(|x| x == *key)
            }
            (Scope::Gcp(project), Pattern::Gcp { project: p, .. }) => match (project, p) {
                (Some(a), Some(b)) => same_project(a, b),
                _ => true,
            },
            (Scope::Kubernetes(set), Pattern::Kubernetes { namespace, .. }) => match namespace {
                Some(n) => set.contains(n),
                None => !set.is_empty(),
            },
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(name: &str, arn: &str) -> Id {
        Id::Aws {
            name: name.into(),
            arn: Arn::parse(arn),
        }
    }

    #[test]
    fn aws_forms_of_the_same_secret() {
        let id = aws(
            "prod/db/password",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db/password-AbCdEf",
        );
        for r in [
            "prod/db/password",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db/password-AbCdEf",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db/password",
        ] {
            assert!(Pattern::parse(Store::Aws, r, false).matches(&id), "{r}");
        }
        for r in [
            "prod/db",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db/password",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db/pass",
        ] {
            assert!(!Pattern::parse(Store::Aws, r, false).matches(&id), "{r}");
        }
    }

    #[test]
    fn azure_gcp_vault_kubernetes_forms() {
        let az = Id::Azure {
            vault: "kv-prod.vault.azure.net".into(),
            key: true,
            name: "payments-mek".into(),
        };
        for r in [
            "payments-mek",
            "Payments-MEK",
            "kv-prod/payments-mek",
            "https://kv-prod.vault.azure.net/keys/payments-mek",
            "https://kv-prod.vault.azure.net/keys/payments-mek/0123abcd",
        ] {
            assert!(Pattern::parse(Store::Azure, r, false).matches(&az), "{r}");
        }
        for r in [
            "https://kv-prod.vault.azure.net/secrets/payments-mek",
            "kv-dev/payments-mek",
        ] {
            assert!(!Pattern::parse(Store::Azure, r, false).matches(&az), "{r}");
        }
        let g = Id::Gcp {
            project: "123456789012".into(),
            location: None,
            name: "api-key".into(),
        };
        for r in [
            "api-key",
            "projects/my-project/secrets/api-key",
            "projects/123456789012/secrets/api-key/versions/latest",
        ] {
            assert!(Pattern::parse(Store::Gcp, r, false).matches(&g), "{r}");
        }
        assert!(!Pattern::parse(Store::Gcp, "projects/999/secrets/api-key", false).matches(&g));
        let v = Id::Vault {
            path: "secret/payments/stripe".into(),
        };
        for r in [
            "secret/payments/stripe",
            "secret/data/payments/stripe",
            "payments/stripe",
        ] {
            assert!(Pattern::parse(Store::Vault, r, false).matches(&v), "{r}");
        }
        assert!(!Pattern::parse(Store::Vault, "secret/stripe2", false).matches(&v));
        let k = Id::Kubernetes {
            namespace: Some("prod".into()),
            name: "db-creds".into(),
        };
        for r in ["prod/db-creds", "db-creds", "secret/db-creds"] {
            assert!(
                Pattern::parse(Store::Kubernetes, r, false).matches(&k),
                "{r}"
            );
        }
        assert!(!Pattern::parse(Store::Kubernetes, "dev/db-creds", false).matches(&k));
    }
}
