//! Evidence from the stores (`--evidence`): the vendors' export shapes
//! (fixtures/evidence), values planted in exports never printed, damaged and
//! unknown exports located, bounded reading, `--as-of`, `evidence update`,
//! and the AWS path against a real AWS-compatible server (moto) driven by
//! the real `aws` CLI.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn demo() -> PathBuf {
    root().join("fixtures/evidence/demo")
}

/// (rule, severity, path, line, secret) of every unsuppressed finding.
fn findings(doc: &serde_json::Value) -> Vec<(String, String, String, u64, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"].is_null())
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["secret"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

const EVIDENCE_RULES: [&str; 5] = [
    "rotation-evidence-mismatch",
    "missing-from-store",
    "undeclared-in-store",
    "stale-key-version-enabled",
    "rotation-not-automated",
];

fn evidence_findings(doc: &serde_json::Value) -> Vec<(String, String, String, u64, String)> {
    findings(doc)
        .into_iter()
        .filter(|f| EVIDENCE_RULES.contains(&f.0.as_str()))
        .collect()
}

fn t(
    rule: &str,
    sev: &str,
    path: &str,
    line: u64,
    secret: &str,
) -> (String, String, String, u64, String) {
    (rule.into(), sev.into(), path.into(), line, secret.into())
}

#[test]
fn every_store_format_answered_right() {
    let run = keyledger(
        &[
            "check",
            ".",
            "--no-scan",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
        &demo(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let got = evidence_findings(&doc);
    let want = vec![
        // AWS: a secret no inventory entry claims.
        t(
            "undeclared-in-store",
            "warning",
            "exports/aws-list-secrets.json",
            53,
            "-",
        ),
        // Azure: the envelope key rotated 2026-10-01, old version still
        // enabled past the 24 h soak; a version disabled since June.
        t(
            "stale-key-version-enabled",
            "warning",
            "exports/azure-key-versions.json",
            14,
            "PAYMENTS_MEK",
        ),
        t(
            "stale-key-version-enabled",
            "note",
            "exports/azure-key-versions.json",
            50,
            "PAYMENTS_MEK",
        ),
        // GCP: version 2 disabled since version 3 replaced it (July).
        t(
            "stale-key-version-enabled",
            "note",
            "exports/gcp-partner-api-key-versions.json",
            15,
            "PARTNER_API_KEY",
        ),
        // GCP, second page: a secret the inventory does not know.
        t(
            "undeclared-in-store",
            "warning",
            "exports/gcp-secrets-page2.json",
            4,
            "-",
        ),
        // Vault: version 2 soft-deleted on 2026-09-01, not destroyed.
        t(
            "stale-key-version-enabled",
            "note",
            "exports/stripe-webhook.json",
            23,
            "STRIPE_WEBHOOK_SECRET",
        ),
        // AWS: a claimed rotation the store never saw; a stale date.
        t(
            "rotation-evidence-mismatch",
            "error",
            "secrets-inventory.yaml",
            13,
            "STRIPE_SECRET_KEY",
        ),
        t(
            "rotation-evidence-mismatch",
            "warning",
            "secrets-inventory.yaml",
            21,
            "DATABASE_URL",
        ),
        // AWS: declared, not in the region's list-secrets.
        t(
            "missing-from-store",
            "error",
            "secrets-inventory.yaml",
            35,
            "LEGACY_PARTNER_KEY",
        ),
    ];
    assert_eq!(got, want, "{}", run.stdout);
    let msg = |rule: &str, secret: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule && f["secret"] == secret)
            .map(|f| f["message"].as_str().unwrap().to_string())
            .unwrap()
    };
    // The stale warning gives the store's date so the fix is one edit.
    assert!(
        msg("rotation-evidence-mismatch", "DATABASE_URL").contains("set last_rotated: 2026-10-15"),
        "{}",
        run.stdout
    );
    assert!(msg("rotation-evidence-mismatch", "STRIPE_SECRET_KEY").contains("2026-05-02"));
    assert!(msg("stale-key-version-enabled", "PAYMENTS_MEK").contains("52 days"));
    // Agreeing dates (JWT_SECRET across a +02:00 offset, Azure, GCP, Vault,
    // Kubernetes) are not findings; github-actions is not a store export.
    let summary = &doc["summary"]["evidence"];
    assert_eq!(summary["exports"], 8);
    assert_eq!(summary["verified"], 8, "{summary}");
    assert_eq!(summary["unverified"], 2, "{summary}");
    // The Helm release record and the certificate-backing secret are not
    // "undeclared".
    assert!(!run.stdout.contains("sh.helm.release"));
    assert!(!run.stdout.contains("payments-tls"));
}

#[test]
fn as_of_moves_every_window() {
    // On 2026-10-01 the new MEK version was created that morning: still
    // inside its soak. The GCP and Vault retention windows have not passed
    // either, and the DATABASE_URL rotation of 2026-10-15 had not happened.
    let run = keyledger(
        &[
            "check",
            ".",
            "--no-scan",
            "--as-of",
            "2026-10-02",
            "--format",
            "json",
        ],
        &demo(),
    );
    let got: Vec<(String, String, String, u64, String)> = evidence_findings(&run.json());
    let rules: Vec<(&str, &str)> = got.iter().map(|f| (f.0.as_str(), f.4.as_str())).collect();
    assert_eq!(
        rules,
        [
            ("undeclared-in-store", "-"),
            ("stale-key-version-enabled", "PAYMENTS_MEK"),
            ("stale-key-version-enabled", "PARTNER_API_KEY"),
            ("undeclared-in-store", "-"),
            ("missing-from-store", "LEGACY_PARTNER_KEY"),
        ],
        "{}",
        run.stdout
    );
    // Only the June-disabled MEK version (note) is left of the MEK's.
    assert!(got.iter().any(|f| f.4 == "PAYMENTS_MEK" && f.1 == "note"));
    assert!(
        !got.iter()
            .any(|f| f.4 == "PAYMENTS_MEK" && f.1 == "warning")
    );
    // A week after the MEK rotation, the soak has passed.
    let run = keyledger(
        &[
            "check",
            ".",
            "--no-scan",
            "--as-of",
            "2026-10-08",
            "--format",
            "json",
        ],
        &demo(),
    );
    assert!(
        evidence_findings(&run.json())
            .iter()
            .any(|f| f.4 == "PAYMENTS_MEK" && f.1 == "warning")
    );
}

#[test]
fn windows_and_severities_come_from_the_config() {
    let dir = copy_demo();
    let toml = std::fs::read_to_string(dir.path().join("keyledger.toml")).unwrap();
    std::fs::write(
        dir.path().join("keyledger.toml"),
        format!(
            "{toml}evidence_tolerance = \"200d\"\nevidence_soak = \"60d\"\nevidence_retention = \"1w\"\n[rules]\nundeclared-in-store = \"off\"\nmissing-from-store = \"warning\"\nrotation-not-automated = \"note\"\n"
        ),
    )
    .unwrap();
    let run = keyledger(
        &[
            "check",
            ".",
            "--no-scan",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
        dir.path(),
    );
    let got = evidence_findings(&run.json());
    let rules: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str(), f.4.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            // The old MEK version: 53 days is inside a 60-day soak now.
            ("stale-key-version-enabled", "note", "PAYMENTS_MEK"),
            ("stale-key-version-enabled", "note", "PARTNER_API_KEY"),
            ("stale-key-version-enabled", "note", "STRIPE_WEBHOOK_SECRET"),
            // JWT_SECRET: cadence 60d, RotationEnabled false.
            ("rotation-not-automated", "note", "JWT_SECRET"),
            ("missing-from-store", "warning", "LEGACY_PARTNER_KEY"),
        ],
        "{}",
        run.stdout
    );
    // `keyledger config` prints the evidence keys, and what it prints is a
    // valid configuration that prints the same again.
    let cfg = keyledger(&["config", "."], dir.path());
    assert_eq!(cfg.code, 0, "{}", cfg.stderr);
    for k in [
        "evidence_tolerance = \"200d\"",
        "evidence_soak = \"60d\"",
        "evidence_retention = \"1w\"",
        "ref = \"secret/payments/stripe-webhook\"",
    ] {
        assert!(cfg.stdout.contains(k), "{k}:\n{}", cfg.stdout);
    }
    std::fs::write(dir.path().join("keyledger.toml"), &cfg.stdout).unwrap();
    let again = keyledger(&["config", "."], dir.path());
    assert_eq!(again.stdout, cfg.stdout, "{}", again.stderr);
}

#[test]
fn gcp_secrets_list_alone_dates_nothing() {
    // A secret's createTime does not move when versions are added, so a
    // `secrets list` without `versions list` proves existence, not dates.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("secrets-inventory.yaml"),
        "version: 1\nsecrets:\n  - {name: A, owner: t, cadence: yearly, store: {kind: gcp-secret-manager, ref: a}, last_rotated: 2026-11-01}\n  - {name: B, owner: t, cadence: yearly, store: {kind: gcp-secret-manager, ref: projects/acme/secrets/b}, last_rotated: 2026-11-01}\n",
    )
    .unwrap();
    std::fs::write(
        p.join("gcp.json"),
        "[{\"name\": \"projects/418376502251/secrets/a\", \"createTime\": \"2024-01-01T00:00:00.123456Z\", \"replication\": {\"automatic\": {}}}]",
    )
    .unwrap();
    let run = keyledger(
        &[
            "check",
            ".",
            "--no-scan",
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--evidence",
            "gcp.json",
        ],
        p,
    );
    let got: Vec<(String, String)> = evidence_findings(&run.json())
        .into_iter()
        .map(|f| (f.0, f.4))
        .collect();
    assert_eq!(
        got,
        [("missing-from-store".to_string(), "B".to_string())],
        "{}",
        run.stdout
    );
    let rep = keyledger(
        &[
            "report",
            "--as-of",
            "2027-12-01",
            "--format",
            "csv",
            "--evidence",
            "gcp.json",
        ],
        p,
    );
    assert!(
        rep.stdout.contains(",in-store-undated\r\n"),
        "{}",
        rep.stdout
    );
    assert!(rep.stdout.contains(",missing\r\n"), "{}", rep.stdout);
}

#[test]
fn every_export_shape_is_read() {
    // AWS list-secret-version-ids and describe-secret (epoch numbers), the
    // Azure REST envelope (epoch numbers) and secret list-versions, the GCP
    // REST envelope of versions list, Vault metadata without its response
    // envelope (named by its file), one Kubernetes secret.
    let dir = root().join("fixtures/evidence/shapes");
    let mut args = vec!["evidence", "update", ".", "--as-of", AS_OF];
    for f in [
        "aws-list-secret-version-ids.json",
        "aws-describe-secret.json",
        "azure-rest-secrets.json",
        "azure-secret-list-versions.json",
        "gcp-rest-versions.json",
        "raw.json",
        "kubectl-one-secret.json",
    ] {
        args.extend(["--evidence", f]);
    }
    let run = keyledger(&args, &dir);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        "VERSION_IDS: last_rotated 2025-01-01 -> 2026-03-01 (store: CreatedDate (AWSCURRENT version))",
        "DESCRIBED: last_rotated 2025-01-01 -> 2026-04-01 (store: LastRotatedDate)",
        "AZURE_REST: last_rotated 2025-01-01 -> 2026-05-06 (store: updated)",
        "AZURE_VERSIONS: last_rotated 2025-01-01 -> 2026-04-15 (store: attributes.created (newest version))",
        "GCP_REST: last_rotated 2025-01-01 -> 2026-05-20 (store: createTime (newest version))",
        "VAULT_RAW: last_rotated 2025-01-01 -> 2026-06-07 (store: created_time (current version))",
        "K8S_ONE: last_rotated 2025-01-01 -> 2026-07-04 (store: creationTimestamp)",
        "7 edits proposed",
    ] {
        assert!(run.stderr.contains(line), "`{line}` not in\n{}", run.stderr);
    }
    assert_eq!(
        run.stdout.matches("\n+    last_rotated: 2026-").count(),
        7,
        "{}",
        run.stdout
    );
}

#[test]
fn evidence_update_inserts_a_missing_date_in_toml() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("secrets-inventory.toml"),
        "version = 1\n\n[[secrets]]\nname = \"A\"\nowner = \"t\"\ncadence = \"90d\"\nstore = { kind = \"aws-secrets-manager\", ref = \"a\" }\n",
    )
    .unwrap();
    std::fs::write(
        p.join("aws.json"),
        "{\"SecretList\": [{\"Name\": \"a\", \"LastChangedDate\": \"2026-10-01T00:00:00Z\"}]}",
    )
    .unwrap();
    let run = keyledger(
        &[
            "evidence",
            "update",
            ".",
            "--as-of",
            AS_OF,
            "--evidence",
            "aws.json",
        ],
        p,
    );
    assert_eq!(
        run.stdout,
        "--- a/secrets-inventory.toml\n+++ b/secrets-inventory.toml\n@@ -2,6 +2,7 @@\n \n [[secrets]]\n name = \"A\"\n+last_rotated = 2026-10-01\n owner = \"t\"\n cadence = \"90d\"\n store = { kind = \"aws-secrets-manager\", ref = \"a\" }\n",
        "{}",
        run.stderr
    );
    let none = keyledger(&["evidence", "update", "."], p);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("no evidence"), "{}", none.stderr);
}

#[test]
fn bad_config_values_are_located() {
    let dir = copy_demo();
    std::fs::write(
        dir.path().join("keyledger.toml"),
        "evidence = [\"exports/aws-list-secrets.json\"]\nevidence_soak = \"a day\"\n",
    )
    .unwrap();
    let run = keyledger(&["check", ".", "--no-scan", "--as-of", AS_OF], dir.path());
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("keyledger.toml:2:"), "{}", run.stderr);
}

fn copy_demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&demo(), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

// ---------------------------------------------------- values never shown ----

/// Values planted in exports: raw, base64-encoded, inside Kubernetes'
/// last-applied annotation, in an AWS get-secret-value, in an Azure
/// `secret show`, in a Vault `kv get`, in JWK private members.
const PLANTED: [&str; 6] = [
    "kl-planted-aws-0f9e8d7c6b5a",
    "a2wtcGxhbnRlZC1rOHMtMDAx",
    "kl-planted-k8s-001",
    "kl-planted-azure-4d3c2b1a",
    "kl-planted-jwk-d-9a8b7c",
    "kl-planted",
];

fn planted_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("secrets-inventory.yaml"),
        "version: 1\ndefaults: {owner: t, cadence: 90d}\nsecrets:\n  - name: DB_PASSWORD\n    store: {kind: aws-secrets-manager, ref: prod/db}\n    last_rotated: 2026-01-01\n  - name: REDIS_PASSWORD\n    store: {kind: kubernetes-secret, ref: default/redis}\n    last_rotated: 2026-01-01\n  - name: SIGNING\n    store: {kind: azure-key-vault, ref: signing}\n    last_rotated: 2026-01-01\n",
    )
    .unwrap();
    std::fs::write(
        p.join("get-secret-value.json"),
        r#"{
    "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
    "Name": "prod/db",
    "VersionId": "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE",
    "SecretString": "{\"username\":\"app\",\"password\":\"kl-planted-aws-0f9e8d7c6b5a\"}",
    "VersionStages": [
        "AWSCURRENT"
    ],
    "CreatedDate": 1785578400.523
}
"#,
    )
    .unwrap();
    std::fs::write(
        p.join("kubectl.json"),
        r#"{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
 "data": {"password": "a2wtcGxhbnRlZC1rOHMtMDAx"},
 "stringData": {"password": "kl-planted-k8s-001"},
 "metadata": {"name": "redis", "namespace": "default", "creationTimestamp": "2026-08-01T00:00:00Z",
   "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"stringData\":{\"password\":\"kl-planted-k8s-001\"}}"}}}
"#,
    )
    .unwrap();
    std::fs::write(
        p.join("az-secret-show.json"),
        r#"[{"attributes": {"created": "2026-08-01T00:00:00+00:00", "enabled": true, "updated": "2026-08-01T00:00:00+00:00"},
  "id": "https://kv1.vault.azure.net/secrets/signing",
  "name": "signing",
  "value": "kl-planted-azure-4d3c2b1a",
  "key": {"kty": "RSA", "n": "AQAB", "d": "kl-planted-jwk-d-9a8b7c"}}]
"#,
    )
    .unwrap();
    dir
}

fn assert_no_value(what: &str, text: &str) {
    for v in PLANTED {
        assert!(
            !text.contains(v),
            "{what} shows a planted value `{v}`:\n{text}"
        );
    }
}

#[test]
fn values_in_exports_are_never_printed() {
    let dir = planted_repo();
    let p = dir.path();
    let ev = [
        "--evidence",
        "get-secret-value.json",
        "--evidence",
        "kubectl.json",
        "--evidence",
        "az-secret-show.json",
    ];
    let mut outputs = Vec::new();
    for format in ["human", "json", "sarif", "github"] {
        let mut args = vec!["check", ".", "--as-of", AS_OF, "--format", format, "-v"];
        args.extend(ev);
        let run = keyledger(&args, p);
        assert_ne!(run.code, 2, "{}", run.stderr);
        outputs.push((format!("check --format {format}"), run.transcript()));
    }
    // The stores' dates were read: every entry is stale by seven months.
    let mut args = vec![
        "check",
        ".",
        "--no-scan",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    ];
    args.extend(ev);
    let run = keyledger(&args, p);
    let stale = evidence_findings(&run.json());
    assert_eq!(stale.len(), 3, "{}", run.stdout);
    assert!(stale.iter().all(|f| f.0 == "rotation-evidence-mismatch"));
    let mut args = vec!["evidence", "update", ".", "--as-of", AS_OF];
    args.extend(ev);
    let up = keyledger(&args, p);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert!(
        up.stdout.contains("+    last_rotated: 2026-08-01"),
        "{}",
        up.stdout
    );
    outputs.push(("evidence update".into(), up.transcript()));
    for format in ["markdown", "html", "csv", "json"] {
        let mut args = vec!["report", "--as-of", AS_OF, "--format", format];
        args.extend(ev);
        let run = keyledger(&args, p);
        assert_eq!(run.code, 0, "{}", run.stderr);
        outputs.push((format!("report --format {format}"), run.transcript()));
    }
    // Error paths: the file damaged right after a value, an unknown shape
    // that holds a value, a duplicate member next to one.
    for (name, text) in [
        (
            "damaged.json",
            "{\"Name\": \"prod/db\", \"SecretString\": \"kl-planted-aws-0f9e8d7c6b5a\" \"ARN\": 1}",
        ),
        (
            "unknown.json",
            "{\"secretValue\": \"kl-planted-aws-0f9e8d7c6b5a\", \"value\": \"kl-planted-azure-4d3c2b1a\"}",
        ),
        (
            "dup.json",
            "{\"SecretList\": [{\"Name\": \"a\", \"SecretString\": \"kl-planted-aws-0f9e8d7c6b5a\", \"Name\": \"b\"}]}",
        ),
        (
            "baddate.json",
            "{\"SecretList\": [{\"Name\": \"prod/db\", \"SecretString\": \"kl-planted-aws-0f9e8d7c6b5a\",\n \"LastChangedDate\": \"kl-planted-k8s-001\"}]}",
        ),
    ] {
        std::fs::write(p.join(name), text).unwrap();
        let run = keyledger(&["check", ".", "--as-of", AS_OF, "--evidence", name], p);
        assert_eq!(run.code, 2, "{name}: {}", run.transcript());
        assert!(run.stdout.is_empty(), "{name}: {}", run.stdout);
        outputs.push((format!("error {name}"), run.transcript()));
    }
    for (what, text) in &outputs {
        assert_no_value(what, text);
    }
    // The content scan does see the exports as files (they are in the
    // repository) and reports the values redacted, never whole.
    assert!(
        outputs[0].1.contains("get-secret-value.json") || outputs[0].1.contains("kubectl.json")
    );
}

// ------------------------------------------------ damaged and unknown ----

#[test]
fn damaged_and_unknown_exports_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("secrets-inventory.yaml"),
        "version: 1\nsecrets:\n  - {name: A, owner: t, cadence: 90d, store: {kind: aws-secrets-manager, ref: a}}\n",
    )
    .unwrap();
    let aws = std::fs::read_to_string(demo().join("exports/aws-list-secrets.json")).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        // Truncated mid-export (a download cut short).
        (
            "truncated.json",
            aws[..aws.len() / 2].to_string(),
            "damaged export",
        ),
        // A missing comma.
        (
            "comma.json",
            "{\n  \"SecretList\": [\n    {\"Name\": \"a\"}\n    {\"Name\": \"b\"}\n  ]\n}\n".into(),
            "comma.json:4:5: damaged export",
        ),
        // Valid JSON, but not an export keyledger knows.
        (
            "unknown.json",
            "{\n  \"Parameters\": [{\"Name\": \"/app/db\"}]\n}\n".into(),
            "unknown.json:1:1",
        ),
        ("empty-array.json", "[]".into(), "empty array"),
        // A date no CLI prints.
        (
            "date.json",
            "{\"SecretList\": [\n  {\"Name\": \"a\", \"LastChangedDate\": \"last Tuesday\"}\n]}"
                .into(),
            "date.json:2:36",
        ),
        // A naive date-time: without its offset it cannot be compared.
        (
            "naive.json",
            "[{\"name\": \"projects/1/secrets/a\", \"createTime\": \"2026-01-01T00:00:00\"}]"
                .into(),
            "without a UTC offset",
        ),
        // Not UTF-8.
        ("latin1.json", String::new(), "not valid UTF-8"),
        // YAML output of the same command.
        (
            "yaml.json",
            "SecretList:\n- Name: a\n".into(),
            "yaml.json:1:1",
        ),
        // Nested past the cap.
        ("deep.json", "[".repeat(5000), "nested deeper"),
    ];
    for (name, text, want) in &cases {
        if *name == "latin1.json" {
            std::fs::write(p.join(name), b"{\"SecretList\": [{\"Name\": \"caf\xe9\"}]}").unwrap();
        } else {
            std::fs::write(p.join(name), text).unwrap();
        }
        let run = keyledger(&["check", ".", "--no-scan", "--evidence", name], p);
        assert_eq!(run.code, 2, "{name}: {}", run.transcript());
        assert!(
            run.stdout.is_empty(),
            "{name}: partial output {}",
            run.stdout
        );
        let located = regex::Regex::new(&format!(r"{}:\d+:\d+", regex::escape(name))).unwrap();
        assert!(
            located.is_match(&run.stderr),
            "{name}: no file:line:col in\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(want),
            "{name}: `{want}` not in\n{}",
            run.stderr
        );
    }
    // A missing file is named; a directory is refused.
    let run = keyledger(&["check", ".", "--no-scan", "--evidence", "nope.json"], p);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("nope.json: not found"),
        "{}",
        run.stderr
    );
    let run = keyledger(&["check", ".", "--no-scan", "--evidence", "."], p);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("is a directory"), "{}", run.stderr);
}

#[test]
fn a_page_without_its_last_page_is_incomplete() {
    let dir = copy_demo();
    let p = dir.path();
    let toml = std::fs::read_to_string(p.join("keyledger.toml")).unwrap();
    std::fs::write(
        p.join("keyledger.toml"),
        toml.replace("  \"exports/gcp-secrets-page2.json\",\n", ""),
    )
    .unwrap();
    let run = keyledger(&["check", ".", "--no-scan", "--as-of", AS_OF], p);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("gcp-secrets-page1.json:15:20")
            && run.stderr.contains("one page of a longer listing"),
        "{}",
        run.stderr
    );
}

#[test]
fn reading_is_bounded() {
    let dir = copy_demo();
    let p = dir.path();
    // Larger than the cap (sparse: nothing is written).
    let big = std::fs::File::create(p.join("big.json")).unwrap();
    big.set_len(keyledger::evidence::MAX_EXPORT_SIZE + 1)
        .unwrap();
    drop(big);
    let run = keyledger(&["check", ".", "--no-scan", "--evidence", "big.json"], p);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("larger than 64 MiB"), "{}", run.stderr);

    // The configuration may not name a file outside the repository,
    // through a symlink or `..`; the command line may.
    let outside = tempfile::tempdir().unwrap();
    std::fs::copy(
        demo().join("exports/aws-list-secrets.json"),
        outside.path().join("aws.json"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path().join("aws.json"), p.join("link.json")).unwrap();
    let rel = format!(
        "../{}/aws.json",
        outside.path().file_name().unwrap().to_string_lossy()
    );
    for name in ["link.json", rel.as_str()] {
        if cfg!(not(unix)) && name == "link.json" {
            continue;
        }
        std::fs::write(
            p.join("keyledger.toml"),
            format!("evidence = [\"{name}\"]\n"),
        )
        .unwrap();
        let run = keyledger(&["check", ".", "--no-scan", "--as-of", AS_OF], p);
        assert_eq!(run.code, 2, "{name}: {}", run.transcript());
        assert!(
            run.stderr.contains("resolves outside the repository")
                && run.stderr.contains("keyledger.toml:1:"),
            "{name}: {}",
            run.stderr
        );
    }
    // A FIFO in the repository named by the configuration is refused, not
    // opened (opening it would block until someone writes).
    #[cfg(unix)]
    {
        let c = std::ffi::CString::new(p.join("pipe.json").to_str().unwrap()).unwrap();
        // SAFETY: a valid C string; mkfifo only creates a node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        std::fs::write(p.join("keyledger.toml"), "evidence = [\"pipe.json\"]\n").unwrap();
        let run = keyledger(&["check", ".", "--no-scan", "--as-of", AS_OF], p);
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(
            run.stderr.contains("pipe.json is not a regular file"),
            "{}",
            run.stderr
        );
    }
    std::fs::write(p.join("keyledger.toml"), "# no evidence here\n").unwrap();
    let arg = outside.path().join("aws.json");
    let run = keyledger(
        &[
            "check",
            ".",
            "--no-scan",
            "--as-of",
            AS_OF,
            "--evidence",
            arg.to_str().unwrap(),
        ],
        p,
    );
    assert_ne!(run.code, 2, "{}", run.stderr);
}

#[test]
fn control_characters_from_exports_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("secrets-inventory.yaml"),
        "version: 1\nsecrets: []\n",
    )
    .unwrap();
    std::fs::write(
        p.join("aws.json"),
        "{\"SecretList\": [{\"Name\": \"evil\\u001b[2J\\u202ename\", \"LastChangedDate\": 1785578400}]}",
    )
    .unwrap();
    for format in ["human", "json", "github", "sarif"] {
        let run = keyledger(
            &[
                "check",
                ".",
                "--no-scan",
                "--as-of",
                AS_OF,
                "--evidence",
                "aws.json",
                "--format",
                format,
            ],
            p,
        );
        assert!(!run.stdout.contains('\u{1b}'), "{format}: {}", run.stdout);
        assert!(!run.stdout.contains('\u{202e}'), "{format}: {}", run.stdout);
        assert!(
            run.stdout.contains("undeclared-in-store"),
            "{format}: {}",
            run.stdout
        );
    }
}

#[test]
fn standard_input_and_epoch_dates() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(
        p.join("secrets-inventory.yaml"),
        "version: 1\nsecrets:\n  - {name: A, owner: t, cadence: 90d, store: {kind: aws-secrets-manager, ref: a}, last_rotated: 2026-08-01}\n",
    )
    .unwrap();
    // AWS CLI v1 prints epoch seconds; 1785578400.5 is 2026-08-01T10:00:00.5Z.
    let export = "{\"SecretList\": [{\"Name\": \"a\", \"ARN\": \"arn:aws:secretsmanager:us-east-1:1:secret:a-AbCdEf\", \"LastChangedDate\": 1791000000.25, \"CreatedDate\": 1785578400.5}]}";
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .args([
            "check",
            ".",
            "--no-scan",
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--evidence",
            "-",
        ])
        .current_dir(p)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(export.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &doc["findings"][0];
    assert_eq!(f["rule"], "rotation-evidence-mismatch", "{doc}");
    // 1791000000 is 2026-10-03T02:40:00Z.
    assert!(
        f["message"].as_str().unwrap().contains("2026-10-03"),
        "{doc}"
    );
    let twice = keyledger(&["check", ".", "--evidence", "-", "--evidence", "-"], p);
    assert_eq!(twice.code, 2);
    assert!(
        twice
            .stderr
            .contains("standard input can be read only once")
    );
}

#[test]
fn evidence_update_proposes_a_diff_that_applies() {
    let dir = copy_demo();
    let p = dir.path();
    let before = std::fs::read_to_string(p.join("secrets-inventory.yaml")).unwrap();
    let run = keyledger(&["evidence", "update", ".", "--as-of", AS_OF], p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Never a rewrite.
    assert_eq!(
        std::fs::read_to_string(p.join("secrets-inventory.yaml")).unwrap(),
        before
    );
    assert!(
        run.stdout
            .starts_with("--- a/secrets-inventory.yaml\n+++ b/secrets-inventory.yaml\n")
    );
    assert!(
        run.stdout
            .contains("-    last_rotated: 2026-08-01\n+    last_rotated: 2026-10-15\n"),
        "{}",
        run.stdout
    );
    // The claim the store never saw is listed, not "fixed".
    assert!(run.stderr.contains("STRIPE_SECRET_KEY"), "{}", run.stderr);
    assert!(!run.stdout.contains("2026-05-02"));
    std::fs::write(p.join("proposal.diff"), &run.stdout).unwrap();
    let git = Command::new("git")
        .args(["apply", "--unsafe-paths", "proposal.diff"])
        .current_dir(p)
        .output()
        .unwrap();
    assert!(
        git.status.success(),
        "{}",
        String::from_utf8_lossy(&git.stderr)
    );
    let after = keyledger(
        &[
            "check",
            ".",
            "--no-scan",
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
        p,
    );
    let left: Vec<String> = evidence_findings(&after.json())
        .into_iter()
        .filter(|f| f.0 == "rotation-evidence-mismatch")
        .map(|f| f.4)
        .collect();
    assert_eq!(left, ["STRIPE_SECRET_KEY"]);
    // Nothing left to propose.
    let again = keyledger(&["evidence", "update", ".", "--as-of", AS_OF], p);
    assert_eq!(again.stdout, "");
    assert!(
        again.stderr.contains("no edits to propose"),
        "{}",
        again.stderr
    );
}

#[test]
fn report_shows_the_stores_dates() {
    let run = keyledger(&["report", "--as-of", AS_OF, "--format", "json"], &demo());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    let row = |name: &str| {
        doc["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} not listed: {doc}"))
    };
    assert_eq!(row("DATABASE_URL")["evidence"]["store_date"], "2026-10-15");
    assert_eq!(row("DATABASE_URL")["evidence"]["status"], "stale");
    assert_eq!(row("LEGACY_PARTNER_KEY")["evidence"]["status"], "missing");
    let md = keyledger(&["report", "--as-of", AS_OF], &demo());
    assert!(md.stdout.contains("| store date |"), "{}", md.stdout);
    assert!(md.stdout.contains("2026-10-15"), "{}", md.stdout);
    assert!(
        md.stdout.contains("unverified") || md.stdout.contains("missing"),
        "{}",
        md.stdout
    );
    let csv = keyledger(&["report", "--as-of", AS_OF, "--format", "csv"], &demo());
    assert!(
        csv.stdout
            .lines()
            .next()
            .unwrap()
            .ends_with(",store_date,evidence"),
        "{}",
        csv.stdout
    );
    // Without evidence, no column.
    let dir = copy_demo();
    std::fs::write(dir.path().join("keyledger.toml"), "# no evidence\n").unwrap();
    let md = keyledger(&["report", "--as-of", AS_OF], dir.path());
    assert!(!md.stdout.contains("store date"), "{}", md.stdout);
    // --evidence on the command line works the same.
    let md = keyledger(
        &[
            "report",
            "--as-of",
            AS_OF,
            "--evidence",
            "exports/aws-list-secrets.json",
        ],
        dir.path(),
    );
    assert!(md.stdout.contains("| store date |"), "{}", md.stdout);
}

// --------------------------------------------------------------- moto ----

/// A tool from the project's .venv (scripts/test.sh installs it), else PATH.
fn tool(name: &str) -> Option<PathBuf> {
    let venv = root().join(".venv/bin").join(name);
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// Stops the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `moto_server` on a free port and waits until it answers.
fn start_moto(moto: &Path) -> (Server, String) {
    for _attempt in 0..3 {
        let port = free_port();
        let child = Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let mut server = Server(child);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = server.0.try_wait() {
                break; // exited: the port was taken; try another
            }
            if http_ok(port) {
                return (server, url);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    panic!("moto_server did not start");
}

/// GET /moto-api/ answers 200 once the server is up.
fn http_ok(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    if s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 16];
    matches!(s.read(&mut buf), Ok(n) if n >= 12 && &buf[9..12] == b"200")
}

struct Aws {
    bin: PathBuf,
    url: String,
    home: PathBuf,
}

impl Aws {
    fn run(&self, args: &[&str], iso: bool) -> String {
        let config = self.home.join(if iso { "config-iso" } else { "config" });
        let out = Command::new(&self.bin)
            .args(args)
            .args(["--endpoint-url", &self.url, "--output", "json"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "eu-west-1")
            .env("AWS_CONFIG_FILE", config)
            .env("AWS_SHARED_CREDENTIALS_FILE", self.home.join("credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_PAGER", "")
            .output()
            .expect("run aws");
        assert!(
            out.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

#[test]
fn aws_exports_from_a_real_secrets_manager_api() {
    let required = std::env::var_os("KEYLEDGER_REQUIRE_MOTO").is_some_and(|v| v == "1")
        || std::env::var_os("CI").is_some_and(|v| v == "true");
    let (Some(moto), Some(aws)) = (tool("moto_server"), tool("aws")) else {
        assert!(
            !required,
            "moto_server and aws are required here (CI): scripts/test.sh installs them into .venv"
        );
        eprintln!(
            "SKIPPED aws_exports_from_a_real_secrets_manager_api: moto_server or aws not installed (scripts/test.sh installs them into .venv)"
        );
        return;
    };
    let (_server, url) = start_moto(&moto);
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("credentials"), "").unwrap();
    std::fs::write(
        home.path().join("config"),
        "[default]\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join("config-iso"),
        "[default]\nregion = eu-west-1\ncli_timestamp_format = iso8601\n",
    )
    .unwrap();
    let cli = Aws {
        bin: aws,
        url,
        home: home.path().to_path_buf(),
    };
    let sm = |args: &[&str]| {
        let mut a = vec!["secretsmanager"];
        a.extend(args);
        cli.run(&a, false)
    };
    // Created now, rotated now (moto's clock is the machine's).
    sm(&[
        "create-secret",
        "--name",
        "app/jwt",
        "--secret-string",
        "kl-planted-moto-jwt-11aa",
    ]);
    sm(&[
        "rotate-secret",
        "--secret-id",
        "app/jwt",
        "--rotation-rules",
        "AutomaticallyAfterDays=30",
    ]);
    sm(&[
        "create-secret",
        "--name",
        "app/db",
        "--secret-string",
        "kl-planted-moto-db-22bb",
    ]);
    sm(&[
        "put-secret-value",
        "--secret-id",
        "app/db",
        "--secret-string",
        "kl-planted-moto-db-33cc",
    ]);
    sm(&[
        "create-secret",
        "--name",
        "app/api-key",
        "--secret-string",
        "kl-planted-moto-api-44dd",
    ]);
    sm(&[
        "create-secret",
        "--name",
        "app/orphan",
        "--secret-string",
        "kl-planted-moto-orphan-55ee",
    ]);

    let repo = tempfile::tempdir().unwrap();
    let p = repo.path();
    std::fs::write(p.join("list-epoch.json"), sm(&["list-secrets"])).unwrap();
    std::fs::write(
        p.join("list-iso.json"),
        cli.run(&["secretsmanager", "list-secrets"], true),
    )
    .unwrap();
    std::fs::write(
        p.join("value.json"),
        sm(&["get-secret-value", "--secret-id", "app/db"]),
    )
    .unwrap();
    std::fs::write(
        p.join("describe.json"),
        sm(&["describe-secret", "--secret-id", "app/jwt"]),
    )
    .unwrap();
    // The CLI's own paging: two secrets a page.
    let page1 = sm(&["list-secrets", "--max-items", "2"]);
    let token = serde_json::from_str::<serde_json::Value>(&page1).unwrap()["NextToken"]
        .as_str()
        .expect("a NextToken on the first page")
        .to_string();
    std::fs::write(p.join("page1.json"), &page1).unwrap();
    std::fs::write(
        p.join("page2.json"),
        sm(&[
            "list-secrets",
            "--max-items",
            "2",
            "--starting-token",
            &token,
        ]),
    )
    .unwrap();
    let iso = std::fs::read_to_string(p.join("list-iso.json")).unwrap();
    assert!(iso.contains("\"LastChangedDate\": \"20"), "{iso}");
    let epoch = std::fs::read_to_string(p.join("list-epoch.json")).unwrap();
    assert!(
        regex::Regex::new(r#""LastChangedDate": \d{10}"#)
            .unwrap()
            .is_match(&epoch),
        "{epoch}"
    );

    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let day = |n: i64| {
        today
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string()
    };
    std::fs::write(
        p.join("secrets-inventory.yaml"),
        format!(
            "version: 1\ndefaults: {{owner: platform, cadence: 90d}}\nsecrets:\n  - name: JWT_SECRET\n    cadence: 30d\n    store: {{kind: aws-secrets-manager, ref: app/jwt}}\n    last_rotated: {}\n  - name: DATABASE_PASSWORD\n    store: {{kind: aws-secrets-manager, ref: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db'}}\n    last_rotated: {}\n  - name: API_KEY\n    cadence: 30d\n    store: {{kind: aws-secrets-manager, ref: app/api-key}}\n    last_rotated: {}\n  - name: LEGACY_KEY\n    store: {{kind: aws-secrets-manager, ref: app/legacy}}\n    last_rotated: {}\n",
            day(0),
            day(-40),
            day(8),
            day(-10),
        ),
    )
    .unwrap();
    std::fs::write(
        p.join("keyledger.toml"),
        "[rules]\nrotation-not-automated = \"note\"\n",
    )
    .unwrap();
    let as_of = day(10);
    let check = |files: &[&str]| {
        let mut args = vec![
            "check",
            ".",
            "--no-scan",
            "--as-of",
            &as_of,
            "--format",
            "json",
        ];
        for f in files {
            args.push("--evidence");
            args.push(f);
        }
        keyledger(&args, p)
    };
    let expected = vec![
        (
            "rotation-evidence-mismatch".to_string(),
            "warning".to_string(),
            "DATABASE_PASSWORD".to_string(),
        ),
        (
            "rotation-evidence-mismatch".into(),
            "error".into(),
            "API_KEY".into(),
        ),
        (
            "rotation-not-automated".into(),
            "note".into(),
            "API_KEY".into(),
        ),
        (
            "missing-from-store".into(),
            "error".into(),
            "LEGACY_KEY".into(),
        ),
        ("undeclared-in-store".into(), "warning".into(), "-".into()),
    ];
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    let mut transcripts = Vec::new();
    for files in [
        vec!["list-epoch.json"],
        vec!["list-iso.json"],
        vec!["page1.json", "page2.json"],
        vec!["list-epoch.json", "value.json", "describe.json"],
    ] {
        let run = check(&files);
        assert_eq!(run.code, 1, "{files:?}: {}", run.transcript());
        let mut got: Vec<(String, String, String)> = evidence_findings(&run.json())
            .into_iter()
            .map(|f| (f.0, f.1, f.4))
            .collect();
        got.sort();
        assert_eq!(got, sorted_expected, "{files:?}: {}", run.stdout);
        let doc = run.json();
        let msg = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["secret"] == "DATABASE_PASSWORD" && f["rule"] == "rotation-evidence-mismatch"
            })
            .map(|f| f["message"].as_str().unwrap().to_string())
            .unwrap();
        assert!(
            msg.contains(&format!("set last_rotated: {}", day(0))),
            "{msg}"
        );
        assert!(run.stdout.contains("app/orphan"), "{}", run.stdout);
        transcripts.push(run.transcript());
    }
    // One page alone is not the whole store.
    let run = check(&["page1.json"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("one page of a longer listing"),
        "{}",
        run.stderr
    );
    transcripts.push(run.transcript());
    // Human output, the report and the proposed diff, with the export that
    // holds a value.
    let human = keyledger(
        &[
            "check",
            ".",
            "--as-of",
            &as_of,
            "--evidence",
            "list-epoch.json",
            "--evidence",
            "value.json",
        ],
        p,
    );
    transcripts.push(human.transcript());
    let report = keyledger(
        &[
            "report",
            "--as-of",
            &as_of,
            "--evidence",
            "list-iso.json",
            "--evidence",
            "value.json",
        ],
        p,
    );
    assert_eq!(report.code, 0, "{}", report.stderr);
    transcripts.push(report.transcript());
    let update = keyledger(
        &[
            "evidence",
            "update",
            ".",
            "--as-of",
            &as_of,
            "--evidence",
            "list-iso.json",
            "--evidence",
            "value.json",
        ],
        p,
    );
    assert!(
        update
            .stdout
            .contains(&format!("+    last_rotated: {}", day(0))),
        "{}",
        update.transcript()
    );
    transcripts.push(update.transcript());
    // The value.json export holds a SecretString: it must be nowhere.
    let value = std::fs::read_to_string(p.join("value.json")).unwrap();
    assert!(value.contains("kl-planted-moto-db-33cc"), "{value}");
    for t in &transcripts {
        assert!(!t.contains("kl-planted-moto"), "a value leaked:\n{t}");
    }
}
