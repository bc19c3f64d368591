//! What a file's environment-variable references mean, for the rules
//! `client-exposed-secret`, `undeclared-public` and `undeclared-secret`
//! (and `init`): which names are client-exposed by a framework prefix,
//! which look like secrets, what the inventory declares, which modules are
//! bundled for the browser.

use std::collections::HashMap;

use crate::config::Config;
use crate::inventory::{Exposure as Exp, Inventory};

pub struct Exposure {
    prefixes: Vec<String>,
    /// Every prefix in one pass (a Teddy-prefiltered search): the
    /// per-file test of whether references need extracting at all.
    prefix_finder: Option<aho_corasick::AhoCorasick>,
    /// `_WORD_` forms of the secret-looking words.
    words: Vec<String>,
    /// Inventoried name → declared `exposure: public`.
    declared: HashMap<String, bool>,
    has_inventory: bool,
}

/// The framework rule that makes a prefixed variable public.
pub fn framework_rule(prefix: &str) -> &'static str {
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
pub fn is_client_module(text: &str) -> bool {
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
pub fn next_config_env_block(path: &str, text: &str) -> Option<(usize, usize)> {
    if !crate::envref::file_name(path).starts_with("next.config.") {
        return None;
    }
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| regex::Regex::new(r"(?-u:\b)env\s*:\s*\{").ok())
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
        let prefixes: Vec<String> = config
            .scan
            .client_prefixes
            .iter()
            .filter(|p| !p.is_empty())
            .cloned()
            .collect();
        Exposure {
            prefix_finder: aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(&prefixes)
                .ok(),
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

    /// The client-exposed prefix of `name` (the longest), if any.
    pub fn prefix_of(&self, name: &str) -> Option<&str> {
        self.prefixes
            .iter()
            .filter(|p| name.starts_with(p.as_str()) && name.len() > p.len())
            .max_by_key(|p| p.len())
            .map(String::as_str)
    }

    /// Whether `text` holds a client prefix at all (a memchr-speed test
    /// that spares most files the reference extraction).
    pub fn mentions_a_prefix(&self, text: &str) -> bool {
        match &self.prefix_finder {
            // An empty prefix (configurable) prefixes every name.
            _ if self.prefixes.iter().any(String::is_empty) => true,
            Some(ac) => ac.is_match(text),
            // Patterns that cannot be compiled: look the slow way.
            None => self
                .prefixes
                .iter()
                .any(|p| memchr::memmem::find(text.as_bytes(), p.as_bytes()).is_some()),
        }
    }

    /// Whether the inventory declares `name`, and as `exposure: public`.
    pub fn declared(&self, name: &str) -> Option<bool> {
        self.declared.get(name).copied()
    }

    pub fn has_inventory(&self) -> bool {
        self.has_inventory
    }

    /// `name` is prefixed and the inventory declares its base (`JWT_SECRET`
    /// for `NEXT_PUBLIC_JWT_SECRET`) as a server secret: the
    /// prefix ships that secret to browsers.
    pub fn exposes_declared_secret<'n>(&self, name: &'n str) -> Option<(&str, &'n str)> {
        let prefix = self.prefix_of(name)?;
        let base = &name[prefix.len()..];
        (self.declared(base) == Some(false)).then_some((prefix, base))
    }

    /// `name` is prefixed, not declared public, and its base looks like a
    /// secret (`NEXT_PUBLIC_STRIPE_SECRET_KEY`).
    pub fn exposes_secret_looking(&self, name: &str) -> Option<&str> {
        let prefix = self.prefix_of(name)?;
        let base = &name[prefix.len()..];
        (self.declared(base) != Some(false)
            && self.declared(name) != Some(true)
            && self.looks_secret(base))
        .then_some(prefix)
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
