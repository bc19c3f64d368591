//! `client-exposed-secret`, `undeclared-public` and `undeclared-secret`:
//! what the environment-variable references of a file say about the
//! inventory. Runs in the same pass as every other content check.

use std::collections::{HashMap, HashSet};

use super::Hit;
use crate::config::Config;
use crate::envref::{EnvRef, Kind};
use crate::inventory::{Exposure as Exp, Inventory};
use crate::rules::{client_exposed_secret, undeclared_public, undeclared_secret};

pub struct Exposure {
    prefixes: Vec<String>,
    /// `_WORD_` forms of the secret-looking words.
    words: Vec<String>,
    /// Inventoried name → declared `exposure: public`.
    declared: HashMap<String, bool>,
    has_inventory: bool,
}

/// The framework rule that makes a prefixed variable public.
fn framework_rule(prefix: &str) -> &'static str {
    match prefix {
        "NEXT_PUBLIC_" => {
            "Next.js inlines NEXT_PUBLIC_ variables into the JavaScript sent to browsers"
        }
        "VITE_" => "Vite exposes VITE_ variables to client code through import.meta.env",
        "REACT_APP_" => "Create React App embeds REACT_APP_ variables in the build",
        "EXPO_PUBLIC_" => "Expo inlines EXPO_PUBLIC_ variables into the app bundle",
        "NUXT_PUBLIC_" => {
            "Nuxt exposes NUXT_PUBLIC_ variables in runtimeConfig.public, sent to the client"
        }
        "PUBLIC_" => "SvelteKit and Astro expose PUBLIC_ variables to client code",
        "GATSBY_" => "Gatsby embeds GATSBY_ variables in the browser bundle",
        _ => "the framework ships variables with this prefix to the browser",
    }
}

/// `'use client'` as the first statement: a React client module.
fn is_client_module(text: &str) -> bool {
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("//") || t.starts_with("/*") || t.starts_with('*') {
            continue;
        }
        let t = t.trim_end_matches(';');
        return t == "'use client'" || t == "\"use client\"";
    }
    false
}

/// The byte range of `env: { … }` in a next.config file.
fn next_config_env_block(path: &str, text: &str) -> Option<(usize, usize)> {
    if !crate::envref::file_name(path).starts_with("next.config.") {
        return None;
    }
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| regex::Regex::new(r"\benv\s*:\s*\{").ok())
        .as_ref()?;
    let m = re.find(text)?;
    let mut depth = 0usize;
    for (i, c) in text[m.end() - 1..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((m.start(), m.end() - 1 + i));
                }
            }
            _ => {}
        }
    }
    None
}

impl Exposure {
    pub fn new(inventory: Option<&Inventory>, config: &Config) -> Exposure {
        let declared = inventory
            .map(|inv| {
                inv.secrets
                    .iter()
                    .map(|s| (s.name.value.clone(), s.exposure.value == Exp::Public))
                    .collect()
            })
            .unwrap_or_default();
        Exposure {
            prefixes: config.scan.client_prefixes.clone(),
            words: config
                .scan
                .secret_name_words
                .iter()
                .map(|w| format!("_{}_", w.to_ascii_uppercase()))
                .collect(),
            declared,
            has_inventory: inventory.is_some(),
        }
    }

    /// Whether a variable name says it holds a secret.
    pub fn looks_secret(&self, name: &str) -> bool {
        let n = format!("_{}_", name.to_ascii_uppercase());
        self.words.iter().any(|w| n.contains(w.as_str()))
    }

    fn prefix_of(&self, name: &str) -> Option<&str> {
        self.prefixes
            .iter()
            .filter(|p| name.starts_with(p.as_str()) && name.len() > p.len())
            .max_by_key(|p| p.len())
            .map(String::as_str)
    }

    pub(crate) fn check(&self, path: &str, text: &str, refs: &[EnvRef], out: &mut Vec<Hit>) {
        if refs.is_empty() {
            return;
        }
        let client = is_client_module(text);
        let env_block = next_config_env_block(path, text);
        let mut reported: HashSet<(&'static str, &str)> = HashSet::new();
        for r in refs {
            let name = r.name.as_str();
            let mut push =
                |rule: &'static str, sev, secret: Option<&str>, message: String, help: String| {
                    if reported.insert((rule, name)) {
                        out.push(Hit {
                            rule,
                            severity: sev,
                            start: r.start,
                            end: r.end,
                            message,
                            label: "here",
                            secret: secret.map(str::to_string),
                            key: name.to_string(),
                            help,
                            value: false,
                        });
                    }
                };
            if let Some(prefix) = self.prefix_of(name) {
                let base = &name[prefix.len()..];
                let declared_public = self.declared.get(name).copied().unwrap_or(false);
                match self.declared.get(base) {
                    Some(false) => push(
                        client_exposed_secret::RULE.id,
                        client_exposed_secret::RULE.severity,
                        Some(base),
                        format!(
                            "`{name}` exposes the server secret `{base}` to browsers: {}",
                            framework_rule(prefix)
                        ),
                        format!(
                            "read `{base}` on the server only (an API route, a server component); if the value is meant to be public, declare `{name}` with `exposure: public`"
                        ),
                    ),
                    _ if !declared_public && self.looks_secret(base) => push(
                        client_exposed_secret::RULE.id,
                        client_exposed_secret::RULE.severity,
                        None,
                        format!(
                            "`{name}` looks like a secret but is client-exposed: {}",
                            framework_rule(prefix)
                        ),
                        format!(
                            "keep secrets server-side; if `{name}` is public by design, declare it in the inventory with `exposure: public`"
                        ),
                    ),
                    _ if !declared_public && self.has_inventory && r.kind == Kind::Read => push(
                        undeclared_public::RULE.id,
                        undeclared_public::RULE.severity,
                        None,
                        format!(
                            "`{name}` is client-exposed ({}) but the inventory does not declare it `exposure: public`",
                            framework_rule(prefix)
                        ),
                        format!(
                            "add `{name}` to the inventory with `exposure: public`, so a reviewer sees every value shipped to browsers"
                        ),
                    ),
                    _ => {}
                }
                continue;
            }
            if r.kind != Kind::Read {
                if self.has_inventory
                    && !self.declared.contains_key(name)
                    && self.looks_secret(name)
                    && crate::envref::file_name(path).starts_with(".env")
                {
                    push(
                        undeclared_secret::RULE.id,
                        undeclared_secret::RULE.severity,
                        None,
                        format!("`{name}` looks like a secret but is not in the inventory"),
                        format!(
                            "declare `{name}` in the inventory (owner, store, cadence), or rename it if it is not a secret"
                        ),
                    );
                }
                continue;
            }
            match self.declared.get(name) {
                Some(false) if client => push(
                    client_exposed_secret::RULE.id,
                    client_exposed_secret::RULE.severity,
                    Some(name),
                    format!(
                        "server secret `{name}` is read in a client module ('use client'): the module is bundled for the browser"
                    ),
                    format!(
                        "read `{name}` in server code only (a route handler, a server action) and pass the result, never the secret"
                    ),
                ),
                Some(false) if env_block.is_some_and(|(s, e)| r.start >= s && r.end <= e) => push(
                    client_exposed_secret::RULE.id,
                    client_exposed_secret::RULE.severity,
                    Some(name),
                    format!(
                        "server secret `{name}` is passed through next.config `env`: Next.js inlines those values into the client bundle"
                    ),
                    format!(
                        "remove `{name}` from next.config `env`; read it with process.env in server code"
                    ),
                ),
                None if self.has_inventory && self.looks_secret(name) => push(
                    undeclared_secret::RULE.id,
                    undeclared_secret::RULE.severity,
                    None,
                    format!(
                        "the code reads `{name}`, which looks like a secret but is not in the inventory"
                    ),
                    format!(
                        "declare `{name}` in the inventory (owner, store, cadence), or rename it if it is not a secret"
                    ),
                ),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_modules_and_next_config() {
        assert!(is_client_module(
            "// header\n\n'use client';\nimport x from 'y'\n"
        ));
        assert!(is_client_module("\"use client\"\n"));
        assert!(!is_client_module("import 'server-only'\n'use client'\n"));
        let cfg = "module.exports = {\n  env: {\n    A: process.env.A,\n  },\n  other: process.env.B,\n};\n";
        let (s, e) = next_config_env_block("apps/web/next.config.js", cfg).unwrap();
        assert!(cfg[s..e].contains("process.env.A") && !cfg[s..e].contains("process.env.B"));
        assert!(next_config_env_block("config.js", cfg).is_none());
    }
}
