//! `pii-in-log` on the labelled corpus `fixtures/pii/`: every line marked
//! `expect: pii-in-log` is reported, and no other line is.

mod common;
use common::*;
use std::collections::BTreeSet;

#[test]
fn labelled_corpus_has_no_false_positive_and_no_miss() {
    let dir = root().join("fixtures/pii");
    let run = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "json"], &dir);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let doc = run.json();
    let found: BTreeSet<(String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "pii-in-log")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut expected = BTreeSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() || path.extension().is_some_and(|e| e == "md" || e == "yaml") {
            continue;
        }
        files += 1;
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        for (i, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
            if line.contains("expect: pii-in-log") {
                expected.insert((name.clone(), i as u64 + 1));
            }
        }
    }
    assert!(files >= 5 && expected.len() >= 12, "corpus too small");
    let missed: Vec<_> = expected.difference(&found).collect();
    let false_pos: Vec<_> = found.difference(&expected).collect();
    assert!(
        missed.is_empty() && false_pos.is_empty(),
        "missed {missed:?}\nfalse positives {false_pos:?}"
    );
}

#[test]
fn missing_pii_schema_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("secrets-inventory.yaml"),
        "version: 1\nsecrets: []\npii:\n  fields: [email]\n  from: [schemas/nope.json]\n",
    )
    .unwrap();
    let run = keyledger(&["check", "."], dir.path());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("secrets-inventory.yaml:5:10"),
        "{}",
        run.stderr
    );
}

/// With no `pii:` section, and with `--no-inventory`, the default field list
/// is used and the summary says so; a `pii:` section replaces it.
#[test]
fn default_field_list_without_a_pii_section() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(
        d.join("signup.ts"),
        "logger.info(`signup ${user.email}`)\nconsole.log({ who: customer.firstName })\nlogger.info(`job ${job.id}`)\n",
    )
    .unwrap();
    std::fs::write(
        d.join("secrets-inventory.yaml"),
        "version: 1\nsecrets:\n  - name: JWT_SECRET\n    owner: team\n    store: { kind: other, ref: x }\n    cadence: 90d\n    last_rotated: 2026-11-01\n",
    )
    .unwrap();
    let lines = |args: &[&str]| {
        let run = keyledger(args, d);
        assert_ne!(run.code, 2, "{}", run.stderr);
        let doc = run.json();
        let lines: Vec<u64> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "pii-in-log")
            .map(|f| f["line"].as_u64().unwrap())
            .collect();
        (lines, doc["summary"]["pii_fields"].clone())
    };
    let json = ["check", ".", "--as-of", AS_OF, "--format", "json"];
    assert_eq!(lines(&json), (vec![1, 2], serde_json::json!("default")));
    let no_inv = ["check", ".", "--no-inventory", "--format", "json"];
    assert_eq!(lines(&no_inv), (vec![1, 2], serde_json::json!("default")));
    let human = keyledger(&["check", ".", "--no-inventory"], d);
    assert!(
        human.stdout.contains("default PII field list"),
        "{}",
        human.stdout
    );
    // The inventory's own list replaces the default.
    let inv = std::fs::read_to_string(d.join("secrets-inventory.yaml")).unwrap();
    std::fs::write(
        d.join("secrets-inventory.yaml"),
        format!("{inv}pii:\n  fields: [first_name]\n"),
    )
    .unwrap();
    assert_eq!(lines(&json), (vec![2], serde_json::json!("inventory")));
    // `pii-in-log = "off"`: not run, nothing said about a list.
    std::fs::write(d.join("keyledger.toml"), "[rules]\npii-in-log = \"off\"\n").unwrap();
    assert_eq!(lines(&json), (vec![], serde_json::Value::Null));
}
