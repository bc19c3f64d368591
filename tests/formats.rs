//! SARIF (validated against the official 2.1.0 schema) and GitHub
//! annotations, on every fixture.

mod common;
use common::*;

fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .unwrap()
}

fn fixture_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs = vec![root().join("fixtures/demo")];
    for rule in subdirs(&root().join("fixtures/rules")) {
        dirs.extend(subdirs(&rule));
    }
    dirs
}

#[test]
fn sarif_is_valid_for_every_fixture_and_stable() {
    let validator = sarif_validator();
    for dir in fixture_dirs() {
        let run = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "sarif"], &dir);
        assert_ne!(run.code, 2, "{}: {}", dir.display(), run.stderr);
        let doc = run.json();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: invalid SARIF: {errors:#?}",
            dir.display()
        );
        let run0 = &doc["runs"][0];
        let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
        let mut ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "one reportingDescriptor per rule id");
        for r in run0["results"].as_array().unwrap() {
            let id = r["ruleId"].as_str().unwrap();
            let idx = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[idx]["id"], id);
            assert!(
                r["partialFingerprints"]["keyledger/v1"]
                    .as_str()
                    .is_some_and(|s| s.len() == 16)
            );
            assert!(
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap()
                    >= 1
            );
        }
        let again = keyledger(&["check", ".", "--as-of", AS_OF, "--format", "sarif"], &dir).json();
        assert_eq!(
            doc,
            again,
            "{}: SARIF not stable across runs",
            dir.display()
        );
    }
}

#[test]
fn sarif_and_github_on_the_demo() {
    let demo = root().join("fixtures/demo");
    let sarif = keyledger(
        &["check", ".", "--as-of", AS_OF, "--format", "sarif"],
        &demo,
    );
    insta::assert_snapshot!("demo-sarif", sarif.transcript());
    let doc = sarif.json();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let waived = results
        .iter()
        .find(|r| r["suppressions"].is_array())
        .unwrap();
    assert_eq!(waived["ruleId"], "rotation-overdue");
    let gh = keyledger(
        &["check", ".", "--as-of", AS_OF, "--format", "github"],
        &demo,
    );
    assert_eq!(gh.code, 1);
    insta::assert_snapshot!("demo-github", gh.transcript());
    assert!(gh.stdout.contains("::error file=secrets-inventory.yaml,line=67,col=19,endLine=67,endColumn=29,title=keyledger rotation-overdue::`STRIPE_SECRET_KEY` is 34 days overdue"), "{}", gh.stdout);
    assert!(
        gh.stdout
            .contains("::error file=services/worker/config/notifications.yaml,line=4,col=14"),
        "{}",
        gh.stdout
    );
    // The waived finding is not annotated.
    assert!(
        !gh.stdout
            .contains("LEGACY_PARTNER_KEY` is 164 days overdue")
    );
}
