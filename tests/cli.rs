//! The CLI end to end on the demo repository, and the small commands.

mod common;
use common::*;

#[test]
fn demo_check_human_and_json() {
    let demo = root().join("fixtures/demo");
    let human = keyledger(&["check", ".", "--as-of", AS_OF], &demo);
    assert_eq!(human.code, 1, "{}", human.transcript());
    insta::assert_snapshot!("demo-human", human.transcript());
    let json = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], &demo);
    insta::assert_snapshot!("demo-json", json.transcript());
    let doc = json.json();
    assert_eq!(doc["version"], 1);
    let f = &doc["findings"][0];
    for key in [
        "rule",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "secret",
        "commit",
        "fingerprint",
    ] {
        assert!(f.get(key).is_some(), "finding lacks `{key}`: {f}");
    }
    // The waived overdue rotation is reported as waived, not dropped.
    let waived: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"]["kind"] == "waiver")
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["secret"], "LEGACY_PARTNER_KEY");
    assert_eq!(waived[0]["rule"], "rotation-overdue");
    assert_eq!(doc["summary"]["waived"], 1);
}

#[test]
fn as_of_changes_the_answer() {
    let demo = root().join("fixtures/demo");
    // After the waiver's expiry, the waiver is an error and the finding counts.
    let run = keyledger(
        &["check", ".", "--as-of", "2027-02-01", "--format", "json"],
        &demo,
    );
    let doc = run.json();
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"waiver-expired"));
    assert_eq!(doc["summary"]["waived"], 0);
}

#[test]
fn fingerprints_are_stable_across_unrelated_edits() {
    let dir = tempfile::tempdir().unwrap();
    let inv = "version: 1\ndefaults: {owner: t, store: {kind: other}, cadence: 30d}\nsecrets:\n  - name: A_TOKEN\n    last_rotated: 2026-01-01\n";
    std::fs::write(dir.path().join("secrets-inventory.yaml"), inv).unwrap();
    let a = keyledger(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        dir.path(),
    )
    .json();
    std::fs::write(
        dir.path().join("secrets-inventory.yaml"),
        format!("# a comment\n\n{inv}"),
    )
    .unwrap();
    let b = keyledger(
        &["check", ".", "--as-of", AS_OF, "--format", "json"],
        dir.path(),
    )
    .json();
    assert_ne!(a["findings"][0]["line"], b["findings"][0]["line"]);
    assert_eq!(
        a["findings"][0]["fingerprint"],
        b["findings"][0]["fingerprint"]
    );
}

#[test]
fn schema_command_prints_the_published_schema() {
    let run = keyledger(&["schema"], &root());
    assert_eq!(run.code, 0);
    let printed: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/secret-inventory.schema.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(printed, file);
    for kind in ["config", "policy"] {
        let run = keyledger(&["schema", kind], &root());
        assert_eq!(run.code, 0);
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap();
    }
}

#[test]
fn config_prints_the_effective_configuration() {
    let run = keyledger(&["config", "fixtures/demo"], &root());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("packs = [\n    \"baseline\",\n    \"strict\",\n]"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("never-rotated = \"error\""));
    assert!(run.stdout.contains("max_file_size = 10485760"));
}

#[test]
fn explain_every_rule_and_policy() {
    for r in keyledger::rules::ALL {
        let run = keyledger(&["explain", r.id], &root());
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains(r.doc), "{}", r.id);
    }
    let run = keyledger(&["explain", "pci-dss-3.7.4-cryptoperiod"], &root());
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("Source: PCI DSS v4.0 Req. 3.7.4"),
        "{}",
        run.stdout
    );
    let list = keyledger(&["explain", "--list"], &root());
    assert!(list.stdout.contains("strict-kms-store"));
}

#[test]
fn readme_rule_table_is_generated_from_the_rules() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = keyledger::rules::markdown_table();
    assert!(
        readme.contains(&table),
        "README rule table is stale; replace it with the output of `keyledger explain --table`:\n{table}"
    );
}

#[test]
fn toml_inventory_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets-inventory.toml"),
        "version = 1\n[defaults]\nowner = \"t\"\ncadence = \"90d\"\nstore = { kind = \"other\", ref = \"ops-vault\" }\n[[secrets]]\nname = \"A_TOKEN\"\nlast_rotated = 2026-08-01\n",
    )
    .unwrap();
    let run = keyledger(
        &[
            "check",
            ".",
            "--as-of",
            AS_OF,
            "--format",
            "json",
            "--no-scan",
        ],
        dir.path(),
    );
    let doc = run.json();
    assert_eq!(doc["summary"]["inventory"], "secrets-inventory.toml");
    assert_eq!(doc["findings"][0]["rule"], "rotation-overdue");
    assert_eq!(doc["findings"][0]["line"], 8);
    assert_eq!(doc["findings"][0]["column"], 16);
}

#[test]
fn broken_pipe_is_a_clean_stop() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyledger"))
        .args(["explain", "--list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // A closed pipe is a clean stop, as in ripgrep: exit 0, nothing said.
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// Human output: a rule's findings past the first few are listed compactly
/// (`--verbose` shows each in full); notes are counted, not shown, unless
/// `--show-notes`; `--first-run` groups by rule and file and lists the ten
/// to act on first.
#[test]
fn human_output_groups_hides_notes_and_summarises_a_first_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut inv = String::from("version: 1\ndefaults: {cadence: 90d}\nsecrets:\n");
    for i in 0..12 {
        inv.push_str(&format!(
            "  - name: SECRET_{i:02}\n    last_rotated: 2026-11-01\n"
        ));
    }
    std::fs::write(d.join("secrets-inventory.yaml"), &inv).unwrap();
    std::fs::create_dir_all(d.join("tests")).unwrap();
    std::fs::write(
        d.join("tests/fixture.env"),
        "GITHUB_TOKEN=ghp_R8tKq2ZxW4mN7vB1cY6dH3jL9pS0fG5aE2uQ\n",
    )
    .unwrap();
    let human = keyledger(&["check", ".", "--as-of", AS_OF], d);
    assert_eq!(human.code, 1);
    let out = &human.stdout;
    // 12 owner-required: 3 in full, then one list of the other 9 names.
    assert_eq!(out.matches("has no owner").count(), 3, "{out}");
    assert!(
        out.contains("owner-required: 12 secrets in secrets-inventory.yaml (3 shown above); also:\n  SECRET_03 SECRET_04"),
        "{out}"
    );
    // The token in a test path is a note: counted, not shown.
    assert!(!out.contains("tests/fixture.env"), "{out}");
    assert!(out.contains("1 note not shown"), "{out}");
    let verbose = keyledger(&["check", ".", "--as-of", AS_OF, "--verbose"], d);
    assert_eq!(verbose.stdout.matches("has no owner").count(), 12);
    let notes = keyledger(&["check", ".", "--as-of", AS_OF, "--show-notes"], d);
    assert!(
        notes.stdout.contains("tests/fixture.env"),
        "{}",
        notes.stdout
    );
    assert!(
        !notes
            .stdout
            .contains("ghp_R8tKq2ZxW4mN7vB1cY6dH3jL9pS0fG5aE2uQ")
    );
    let first = keyledger(&["check", ".", "--as-of", AS_OF, "--first-run"], d);
    assert_eq!(first.code, 1);
    let f = &first.stdout;
    assert!(
        f.starts_with("keyledger first run: 37 findings (24 blocking) in 2 files"),
        "{f}"
    );
    assert!(
        f.contains("  owner-required                   error           12        12\n"),
        "{f}"
    );
    assert!(
        f.contains("  secrets-inventory.yaml                                    36        24\n"),
        "{f}"
    );
    // At most three of one rule among the ten to act on.
    assert_eq!(f.matches(". owner-required ").count(), 3, "{f}");
    assert_eq!(f.matches(". store-required ").count(), 3, "{f}");
    assert!(f.contains("Act on these first (6 of 24 blocking)"), "{f}");
}

#[test]
fn readme_error_code_table_is_generated_from_the_codes() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = keyledger::diag::error_code_table();
    assert!(
        readme.contains(&table),
        "README error-code table is stale; replace it with:\n{table}"
    );
}
