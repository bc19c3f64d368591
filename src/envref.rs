//! Environment-variable references, shared by the exposure and drift
//! checks: which variables a file reads or defines, and where.
//!
//! Language is chosen by file name; each language has a few anchored
//! regexes (`process.env.X`, `os.getenv("X")`, `${X}`, …). Matches inside
//! comments are not excluded: a commented-out read still documents a
//! dependency, which is what drift wants.

use std::sync::OnceLock;

use regex::Regex;

/// Whether the file reads a variable or defines (declares) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Define,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRef {
    pub name: String,
    /// Byte range of the name in the text.
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// The kind of a file, by its name: shared by every content check that
/// reads source code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    Js,
    Python,
    Go,
    Rust,
    Java,
    Ruby,
    Shell,
    Dockerfile,
    Yaml,
    DotEnv,
    Other,
}

/// The file name of a `/`-separated path.
pub fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `.env`, `.env.example`, `.env.local`, `production.env`.
pub fn is_dotenv(path: &str) -> bool {
    let file = file_name(path);
    file.starts_with(".env") || file.ends_with(".env")
}

pub fn lang(path: &str) -> Lang {
    let file = file_name(path);
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    if is_dotenv(path) {
        return Lang::DotEnv;
    }
    if file == "Dockerfile" || file.starts_with("Dockerfile.") || ext == "dockerfile" {
        return Lang::Dockerfile;
    }
    match ext {
        "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs" | "mts" | "cts" | "vue" | "svelte"
        | "astro" => Lang::Js,
        "py" => Lang::Python,
        "go" => Lang::Go,
        "rs" => Lang::Rust,
        "java" | "kt" | "kts" | "scala" | "groovy" => Lang::Java,
        "rb" | "erb" | "rake" => Lang::Ruby,
        "sh" | "bash" | "zsh" | "ksh" => Lang::Shell,
        "yml" | "yaml" => Lang::Yaml,
        _ => Lang::Other,
    }
}

// What a variable's name says it holds: shared by `init` and the
// `undeclared-secret` rule.

/// Names a CI system or hosting platform sets for every run.
pub fn is_provided(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "GITHUB_TOKEN",
        "CI_JOB_TOKEN",
        "CI_JOB_JWT",
        "CI_JOB_JWT_V2",
        "CI_REGISTRY_PASSWORD",
        "CI_DEPENDENCY_PROXY_PASSWORD",
        "BUILDKITE_AGENT_ACCESS_TOKEN",
        "VERCEL_OIDC_TOKEN",
        "VERCEL_URL",
        "VERCEL_ENV",
        "VERCEL_BRANCH_URL",
        "VERCEL_PROJECT_PRODUCTION_URL",
        "SYSTEM_ACCESSTOKEN",
        "NODE_ENV",
        "HOME",
        "PATH",
        "PWD",
        "USER",
        "SHELL",
    ];
    const PREFIXES: &[&str] = &[
        "ACTIONS_",
        "RUNNER_",
        "GITHUB_SHA",
        "GITHUB_REF",
        "GITHUB_ACTOR",
        "GITHUB_RUN",
        "GITHUB_EVENT",
        "GITHUB_WORKSPACE",
        "GITHUB_REPOSITORY",
        "GITHUB_OUTPUT",
        "GITHUB_ENV",
        "GITHUB_STEP_SUMMARY",
        "VERCEL_GIT_",
        "NEXT_PUBLIC_VERCEL_",
        "CIRCLE_",
        "BITBUCKET_BUILD",
    ];
    EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// Names whose value is configuration, judged by their words: an id, a
/// URL, a host, a bucket, a flag (`STRIPE_WEBHOOK_ID`,
/// `MYSQL_ALLOW_EMPTY_PASSWORD`, `STORAGE_PRIVATE_BUCKET`, `TEAM_ID_VERCEL`).
/// A connection string (`DATABASE_URL`, `REDIS_URL`) or a webhook URL
/// carries its credential, so it is not configuration.
pub fn is_config(name: &str, says_secret: bool) -> bool {
    let words: Vec<&str> = name.split('_').filter(|w| !w.is_empty()).collect();
    let Some(last) = words.last() else {
        return false;
    };
    const CREDENTIAL_URL: &[&str] = &[
        "DATABASE",
        "DB",
        "POSTGRES",
        "POSTGRESQL",
        "PG",
        "MYSQL",
        "MONGO",
        "MONGODB",
        "REDIS",
        "AMQP",
        "RABBITMQ",
        "BROKER",
        "SMTP",
        "KV",
        "EDGE",
        "HOOK",
        "WEBHOOK",
        "DSN",
    ];
    let url = ["URL", "URI", "DSN"].contains(last);
    if url
        && words.iter().any(|w| CREDENTIAL_URL.contains(w))
        && !words
            .iter()
            .any(|w| ["REST", "API", "BASE", "PUBLIC"].contains(w))
    {
        return false;
    }
    const FLAG_WORDS: &[&str] = &[
        "LIFETIME",
        "SECONDS",
        "MINUTES",
        "HOURS",
        "DAYS",
        "RETRIES",
        "ROUNDS",
        "ALLOW",
        "ENABLE",
        "ENABLED",
        "DISABLE",
        "DISABLED",
        "SKIP",
        "REQUIRE",
        "REQUIRED",
        "USE",
        "FEATURE",
        "FLAG",
        "MIN",
        "MAX",
        "LENGTH",
        "EXPIRY",
        "EXPIRES",
        "TTL",
        "TIMEOUT",
        "FILE",
        "PATH",
        "DIR",
        "POLICY",
        "HEADER",
        "ALGORITHM",
        "ALG",
    ];
    const CONFIG_WORDS: &[&str] = &[
        "ID", "IDS", "URL", "URLS", "URI", "ENDPOINT", "HOST", "HOSTNAME", "PORT", "DOMAIN",
        "REGION", "ZONE", "BUCKET", "DATASET", "COUPON", "NAME", "USER", "USERNAME", "EMAIL",
        "MODE", "ENV", "LEVEL", "VERSION", "LIMIT", "COUNT", "SIZE", "LOCALE", "CHANNEL", "TOPIC",
        "QUEUE", "INDEX", "ORG", "PROJECT", "ACCOUNT", "AUDIENCE", "ISSUER", "SCOPE", "SCOPES",
    ];
    words.iter().any(|w| FLAG_WORDS.contains(w))
        || CONFIG_WORDS.contains(last)
        || (!says_secret && words.contains(&"ID"))
}

/// A URL that carries its credential: a connection string (`DATABASE_URL`,
/// `REDIS_URL`, `MONGODB_URI`, `SENTRY_DSN`) or a webhook URL.
pub fn is_credential_url(name: &str) -> bool {
    let words: Vec<&str> = name.split('_').filter(|w| !w.is_empty()).collect();
    const CREDENTIAL_URL: &[&str] = &[
        "DATABASE",
        "DB",
        "POSTGRES",
        "POSTGRESQL",
        "PG",
        "MYSQL",
        "MONGO",
        "MONGODB",
        "REDIS",
        "AMQP",
        "RABBITMQ",
        "BROKER",
        "SMTP",
        "KV",
        "EDGE",
        "HOOK",
        "WEBHOOK",
        "DSN",
    ];
    words
        .last()
        .is_some_and(|l| ["URL", "URI", "DSN"].contains(l))
        && words.iter().any(|w| CREDENTIAL_URL.contains(w))
        && !words
            .iter()
            .any(|w| ["REST", "API", "BASE", "PUBLIC"].contains(w))
}

/// What a file is for, as far as weighing a literal in it goes: values in
/// example env files, documentation, CI workflows, test code and
/// docker-compose files are usually stand-ins for local development.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    /// `.env.example`, `.env.sample`, `*.template`, `.env.test`,
    /// `.env.development`.
    ExampleEnv,
    /// `docs/`, Markdown, MDX, reStructuredText, AsciiDoc, READMEs.
    Docs,
    /// `.github/workflows/`, `.gitlab-ci.yml`, CircleCI, Buildkite, …
    Ci,
    /// Test files and test setup (`*.test.ts`, `vitestSetup.ts`,
    /// `conftest.py`, `__tests__/`, `e2e/`, `playwright/`, fixtures).
    Test,
    /// `docker-compose*.yml`, `compose*.yaml`: local stacks.
    Compose,
    Other,
}

impl Role {
    /// Why a literal here is weak evidence.
    pub fn as_reason(&self) -> Option<&'static str> {
        Some(match self {
            Role::ExampleEnv => "in an example or development env file",
            Role::Docs => "in documentation",
            Role::Ci => "in a CI workflow",
            Role::Test => "in test code",
            Role::Compose => "in a docker-compose file",
            Role::Other => return None,
        })
    }
}

pub fn role(path: &str) -> Role {
    let file = file_name(path);
    let lower_path = path.to_ascii_lowercase();
    let lower = file.to_ascii_lowercase();
    let dirs: Vec<&str> = lower_path.split('/').collect();
    let in_dir = |names: &[&str]| {
        dirs[..dirs.len().saturating_sub(1)]
            .iter()
            .any(|d| names.contains(d))
    };
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    if is_dotenv(path) {
        let example = [
            "example",
            "sample",
            "template",
            "tmpl",
            "dist",
            "defaults",
            "test",
            "testing",
            "ci",
            "e2e",
            "dev",
            "development",
            "local.example",
            "docker",
        ];
        if example
            .iter()
            .any(|w| lower.ends_with(&format!(".{w}")) || lower.starts_with(&format!("{w}.")))
        {
            return Role::ExampleEnv;
        }
    }
    if ["example", "sample", "template", "tmpl", "dist"].contains(&ext) {
        return Role::ExampleEnv;
    }
    if lower_path.starts_with(".github/workflows/")
        || lower_path.starts_with(".circleci/")
        || lower_path.starts_with(".buildkite/")
        || [
            ".gitlab-ci.yml",
            "azure-pipelines.yml",
            "bitbucket-pipelines.yml",
            ".drone.yml",
            ".travis.yml",
            "jenkinsfile",
            "cloudbuild.yaml",
            "cloudbuild.yml",
        ]
        .contains(&lower.as_str())
    {
        return Role::Ci;
    }
    if (lower.starts_with("docker-compose") || lower.starts_with("compose"))
        && (ext == "yml" || ext == "yaml")
    {
        return Role::Compose;
    }
    if ["md", "mdx", "markdown", "rst", "adoc", "txt"].contains(&ext)
        || lower.starts_with("readme")
        || in_dir(&["docs", "doc", "documentation", "examples", "example"])
    {
        return Role::Docs;
    }
    let stem = lower.split('.').next().unwrap_or("");
    if lower.contains(".test.")
        || lower.contains(".spec.")
        || lower.contains("_test.")
        || lower.starts_with("test_")
        || stem.ends_with("setup")
            && (stem.contains("test") || stem.contains("vitest") || stem.contains("jest"))
        || [
            "vitest.setup",
            "jest.setup",
            "setuptests",
            "conftest",
            "test-setup",
            "testsetup",
        ]
        .contains(&stem)
        || in_dir(&[
            "test",
            "tests",
            "__tests__",
            "spec",
            "specs",
            "e2e",
            "playwright",
            "cypress",
            "fixtures",
            "__fixtures__",
            "mocks",
            "__mocks__",
            "testdata",
            "test-data",
        ])
    {
        return Role::Test;
    }
    Role::Other
}

/// One regex per language: the alternation of its patterns, each pattern's
/// name in its own capture group, so a file is searched once.
struct Combined {
    /// `None` only if a constant pattern failed to compile (a test rules
    /// that out).
    re: Option<Regex>,
    /// Capture group index → kind.
    kinds: Vec<(usize, Kind)>,
}

struct Patterns {
    by_lang: Vec<(Lang, Combined)>,
    js_destructure: Option<Regex>,
}

const NAME: &str = r"([A-Za-z_][A-Za-z0-9_]*)";

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(&s.replace("NAME", NAME)).ok();
        let set = |items: &[(&str, Kind)]| -> Combined {
            // Each pattern has exactly one capture group (the name); the
            // group of the n-th alternative is n + 1.
            let alternation: Vec<String> = items.iter().map(|(s, _)| format!("(?:{s})")).collect();
            Combined {
                re: re(&alternation.join("|")),
                kinds: items
                    .iter()
                    .enumerate()
                    .map(|(i, (_, k))| (i + 1, *k))
                    .collect(),
            }
        };
        use Kind::*;
        let shell = [(r"\$\{?([A-Z_][A-Z0-9_]*)", Read)];
        Patterns {
            by_lang: vec![
                (
                    Lang::Js,
                    set(&[
                        (r"process\.env\.NAME", Read),
                        (r#"process\.env\[\s*["'`]NAME["'`]\s*\]"#, Read),
                        (r"import\.meta\.env\.NAME", Read),
                    ]),
                ),
                (
                    Lang::Python,
                    set(&[
                        (r#"environ\[\s*["']NAME["']\s*\]"#, Read),
                        (r#"environ\.get\(\s*["']NAME["']"#, Read),
                        (r#"getenv\(\s*["']NAME["']"#, Read),
                    ]),
                ),
                (
                    Lang::Go,
                    set(&[(r#"os\.(?:Getenv|LookupEnv)\(\s*"NAME""#, Read)]),
                ),
                (
                    Lang::Rust,
                    set(&[
                        (r#"env::var(?:_os)?\(\s*"NAME""#, Read),
                        (r#"(?:option_)?env!\(\s*"NAME""#, Read),
                    ]),
                ),
                (Lang::Java, set(&[(r#"System\.getenv\(\s*"NAME""#, Read)])),
                (
                    Lang::Ruby,
                    set(&[
                        (r#"ENV\[\s*["']NAME["']\s*\]"#, Read),
                        (r#"ENV\.fetch\(\s*["']NAME["']"#, Read),
                    ]),
                ),
                (Lang::Shell, set(&shell)),
                (
                    Lang::Dockerfile,
                    set(&[
                        (r"(?m)^\s*(?:ARG|ENV)\s+([A-Za-z_][A-Za-z0-9_]*)", Define),
                        shell[0],
                    ]),
                ),
                (
                    Lang::Yaml,
                    set(&[
                        // Kubernetes env: `- name: X`
                        (
                            r#"(?m)^\s*-\s+name:\s*["']?([A-Z_][A-Z0-9_]*)["']?\s*$"#,
                            Define,
                        ),
                        // compose `environment:` list and map forms
                        (r"(?m)^\s*-\s+([A-Z_][A-Z0-9_]*)=", Define),
                        (r"(?m)^\s+([A-Z][A-Z0-9_]*[A-Z0-9]):(?:\s|$)", Define),
                        // GitHub workflows
                        (r"(?-u:\b)secrets\.([A-Za-z_][A-Za-z0-9_]*)", Read),
                        (r"(?-u:\b)env\.([A-Za-z_][A-Za-z0-9_]*)", Read),
                        // interpolation in compose files and `run:` scripts
                        shell[0],
                    ]),
                ),
                (
                    Lang::DotEnv,
                    set(&[(r"(?m)^\s*(?:export\s+)?NAME\s*=", Define)]),
                ),
            ],
            js_destructure: Regex::new(
                r"\{([^{}]{1,800})\}\s*=\s*(?:process\.env|import\.meta\.env)(?-u:\b)",
            )
            .ok(),
        }
    })
}

/// Whether `text` can hold a reference at all: every pattern of these
/// languages contains one of these literals. A memchr-speed check spares
/// the regexes most files (and most versions of a file in a history).
fn may_refer(l: Lang, text: &str) -> bool {
    let has = |needle: &str| memchr::memmem::find(text.as_bytes(), needle.as_bytes()).is_some();
    match l {
        Lang::Js => has("process.env") || has("import.meta.env"),
        Lang::Python => has("environ") || has("getenv"),
        Lang::Go => has("Getenv") || has("LookupEnv"),
        Lang::Rust => has("env"),
        Lang::Java => has("getenv"),
        Lang::Ruby => has("ENV"),
        Lang::Shell => has("$"),
        Lang::Dockerfile => has("$") || has("ARG") || has("ENV"),
        Lang::Yaml | Lang::DotEnv | Lang::Other => true,
    }
}

/// Every reference in `text`, in order of position.
pub fn extract(path: &str, text: &str) -> Vec<EnvRef> {
    let l = lang(path);
    let p = patterns();
    let mut out = Vec::new();
    if !may_refer(l, text) {
        return out;
    }
    if let Some((_, comb, re)) = p
        .by_lang
        .iter()
        .find(|(x, _)| *x == l)
        .and_then(|(x, c)| c.re.as_ref().map(|re| (x, c, re)))
    {
        for c in re.captures_iter(text) {
            if let Some((m, kind)) = comb
                .kinds
                .iter()
                .find_map(|(g, k)| c.get(*g).map(|m| (m, *k)))
            {
                out.push(EnvRef {
                    name: m.as_str().to_string(),
                    start: m.start(),
                    end: m.end(),
                    kind,
                });
            }
        }
    }
    if let (Lang::Js, Some(destructure)) = (l, &p.js_destructure) {
        // The body is what lies between the match's first `{` and the
        // first `}` (the pattern allows no brace inside): found without a
        // capture search, which costs a PikeVM pass over up to 800 bytes
        // per match.
        for m in destructure.find_iter(text) {
            let Some(close) = m.as_str().find('}') else {
                continue;
            };
            let body_start = m.start() + 1;
            let body = &text[body_start..m.start() + close];
            let mut offset = body_start;
            for part in body.split(',') {
                let key = part.split([':', '=']).next().unwrap_or("").trim();
                let key = key.trim_start_matches("...");
                if !key.is_empty()
                    && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    && let Some(i) = part.find(key)
                {
                    out.push(EnvRef {
                        name: key.to_string(),
                        start: offset + i,
                        end: offset + i + key.len(),
                        kind: Kind::Read,
                    });
                }
                offset += part.len() + 1;
            }
        }
    }
    out.sort_by_key(|r| (r.start, r.end));
    out.dedup_by(|a, b| a.start == b.start && a.end == b.end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(path: &str, text: &str) -> Vec<(String, Kind)> {
        extract(path, text)
            .into_iter()
            .map(|r| (r.name, r.kind))
            .collect()
    }
    fn reads(path: &str, text: &str) -> Vec<String> {
        names(path, text)
            .into_iter()
            .filter(|(_, k)| *k == Kind::Read)
            .map(|(n, _)| n)
            .collect()
    }
    fn defines(path: &str, text: &str) -> Vec<String> {
        names(path, text)
            .into_iter()
            .filter(|(_, k)| *k == Kind::Define)
            .map(|(n, _)| n)
            .collect()
    }

    #[test]
    fn javascript_and_typescript() {
        let t = "const a = process.env.JWT_SECRET;\nconst b = process.env['DB_URL'];\nconst c = import.meta.env.VITE_KEY;\nconst { STRIPE_KEY, SENTRY_DSN: dsn, PORT = 3000 } = process.env;\n";
        assert_eq!(
            reads("a.ts", t),
            [
                "JWT_SECRET",
                "DB_URL",
                "VITE_KEY",
                "STRIPE_KEY",
                "SENTRY_DSN",
                "PORT"
            ]
        );
        let r = &extract("a.ts", t)[0];
        assert_eq!(&t[r.start..r.end], "JWT_SECRET");
    }

    #[test]
    fn python_go_rust_java_ruby() {
        assert_eq!(
            reads(
                "a.py",
                "os.environ[\"A\"]\nos.environ.get('B')\nos.getenv(\"C\", \"d\")\n"
            ),
            ["A", "B", "C"]
        );
        assert_eq!(
            reads("a.go", "os.Getenv(\"A\")\nv, ok := os.LookupEnv(\"B\")\n"),
            ["A", "B"]
        );
        assert_eq!(
            reads(
                "a.rs",
                "std::env::var(\"A\")\nenv!(\"B\")\noption_env!(\"C\")\nenv::var_os(\"D\")\n"
            ),
            ["A", "B", "C", "D"]
        );
        assert_eq!(reads("A.java", "System.getenv(\"A\")\n"), ["A"]);
        assert_eq!(reads("a.rb", "ENV[\"A\"]\nENV.fetch('B')\n"), ["A", "B"]);
    }

    #[test]
    fn shell_docker_compose_k8s_workflows_dotenv() {
        assert_eq!(
            reads("run.sh", "echo $HOME ${API_TOKEN:-x} $1\n"),
            ["HOME", "API_TOKEN"]
        );
        assert_eq!(
            defines(
                "Dockerfile",
                "ARG NPM_TOKEN\nENV NODE_ENV=production\nRUN echo $NPM_TOKEN\n"
            ),
            ["NPM_TOKEN", "NODE_ENV"]
        );
        assert_eq!(reads("Dockerfile", "RUN echo $NPM_TOKEN\n"), ["NPM_TOKEN"]);
        let k8s = "env:\n  - name: JWT_SECRET\n    valueFrom: {}\n";
        assert_eq!(defines("deploy.yaml", k8s), ["JWT_SECRET"]);
        let compose = "services:\n  api:\n    environment:\n      - DB_URL=${DATABASE_URL}\n      REDIS_URL: redis://cache\n";
        assert_eq!(
            defines("docker-compose.yml", compose),
            ["DB_URL", "REDIS_URL"]
        );
        assert_eq!(reads("docker-compose.yml", compose), ["DATABASE_URL"]);
        let wf = "env:\n  TOKEN: ${{ secrets.DEPLOY_TOKEN }}\n  X: ${{ env.APP_ENV }}\n";
        assert!(reads(".github/workflows/d.yml", wf).contains(&"DEPLOY_TOKEN".to_string()));
        assert_eq!(
            defines(".env.example", "# c\nJWT_SECRET=\nexport DB_URL=x\n"),
            ["JWT_SECRET", "DB_URL"]
        );
    }

    #[test]
    fn every_language_pattern_compiles() {
        for (l, c) in &patterns().by_lang {
            assert!(c.re.is_some(), "{l:?}");
        }
        assert!(patterns().js_destructure.is_some());
    }

    #[test]
    fn other_files_have_no_references() {
        assert!(extract("README.md", "set process.env.X").is_empty());
    }
}
