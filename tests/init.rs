//! `keyledger init` drafts an inventory that validates and that `check`
//! accepts, and never overwrites one without --force.

mod common;
use common::*;

#[test]
fn init_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join(".env.example"),
        "DATABASE_URL=\nSTRIPE_SECRET_KEY=changeme\nLOG_LEVEL=info\nPARTNER_ID=\n",
    )
    .unwrap();
    std::fs::create_dir_all(d.join("src")).unwrap();
    std::fs::write(
        d.join("src/app.ts"),
        "const db = process.env.DATABASE_URL\nconst k = process.env.STRIPE_SECRET_KEY\nconst a = process.env.NEXT_PUBLIC_POSTHOG_KEY\nconst port = process.env.PORT\n",
    )
    .unwrap();
    std::fs::write(
        d.join("src/admin.py"),
        "import os\nTOKEN = os.environ['ADMIN_API_TOKEN']\n",
    )
    .unwrap();
    let run = keyledger(&["init", "."], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let text = std::fs::read_to_string(d.join("secrets-inventory.yaml")).unwrap();
    for name in [
        "DATABASE_URL",
        "STRIPE_SECRET_KEY",
        "NEXT_PUBLIC_POSTHOG_KEY",
        "ADMIN_API_TOKEN",
    ] {
        assert!(
            text.contains(&format!("- name: {name}\n")),
            "{name} missing:\n{text}"
        );
    }
    assert!(
        !text.contains("- name: PORT"),
        "PORT is not a secret:\n{text}"
    );
    assert!(
        !text.contains("- name: LOG_LEVEL"),
        "LOG_LEVEL=info is configuration:\n{text}"
    );
    // An id blank in .env.example is configuration: listed, not drafted.
    assert!(!text.contains("- name: PARTNER_ID"), "{text}");
    assert!(
        text.contains("configuration (ids, URLs, buckets, flags): PARTNER_ID"),
        "{text}"
    );
    assert!(text.contains("- name: NEXT_PUBLIC_POSTHOG_KEY\n    description: \"TODO: describe. First read at src/app.ts:3\"\n    exposure: public"), "{text}");
    assert!(text.contains("TODO-owner"));
    assert!(text.contains("# Next steps:"), "{text}");
    assert!(text.contains("pii:\n  fields:\n    - email\n"), "{text}");
    // Valid; check blocks only on what the draft left to fill in (owner and
    // store), once per secret.
    let check = keyledger(&["check", ".", "--format", "json"], d);
    assert_eq!(check.code, 1, "{}", check.transcript());
    let doc = check.json();
    let errors: Vec<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let drafted = text.matches("\n  - name: ").count();
    assert_eq!(errors.len(), 2 * drafted, "{errors:?}");
    assert!(
        errors
            .iter()
            .all(|(r, _)| r == "owner-required" || r == "store-required"),
        "{errors:?}"
    );
    // Never overwritten without --force.
    std::fs::write(
        d.join("secrets-inventory.yaml"),
        "version: 1\nsecrets: []\n",
    )
    .unwrap();
    let again = keyledger(&["init", "."], d);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(d.join("secrets-inventory.yaml")).unwrap(),
        "version: 1\nsecrets: []\n"
    );
    assert_eq!(keyledger(&["init", ".", "--force"], d).code, 0);
    assert!(
        std::fs::read_to_string(d.join("secrets-inventory.yaml"))
            .unwrap()
            .contains("ADMIN_API_TOKEN")
    );
    // Every client-exposed name is drafted public; one whose name says
    // secret carries a comment asking for review.
    std::fs::write(
        d.join("src/pay.tsx"),
        "const s = process.env.NEXT_PUBLIC_STRIPE_SECRET_KEY\n",
    )
    .unwrap();
    let draft = keyledger(&["init", ".", "--stdout"], d);
    let i = draft
        .stdout
        .find("- name: NEXT_PUBLIC_STRIPE_SECRET_KEY")
        .unwrap();
    assert!(
        draft.stdout[i..]
            .lines()
            .nth(2)
            .unwrap_or("")
            .contains("exposure: public   # REVIEW: the name says secret"),
        "{}",
        draft.stdout
    );
}

/// A file that is not valid UTF-8 is still read (with replacement
/// characters) and says so; a binary file is skipped and counted; a tree
/// read whole says nothing.
#[test]
fn init_says_what_it_skipped_or_read_lossily() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("src")).unwrap();
    // Latin-1: "café" with a lone 0xE9.
    let mut latin1 = b"import os\n# caf\xe9\nKEY = os.environ['BILLING_API_TOKEN']\n".to_vec();
    latin1.push(b'\n');
    std::fs::write(d.join("src/billing.py"), latin1).unwrap();
    std::fs::write(d.join("logo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let run = keyledger(&["init", ".", "--stdout"], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("- name: BILLING_API_TOKEN\n"),
        "{}",
        run.transcript()
    );
    assert!(
        run.stderr.contains("skipped 1 (1 binary)")
            && run
                .stderr
                .contains("1 not valid UTF-8, read with replacement characters"),
        "{}",
        run.transcript()
    );

    let clean = tempfile::tempdir().unwrap();
    std::fs::write(
        clean.path().join("app.py"),
        "import os\nKEY = os.environ['BILLING_API_TOKEN']\n",
    )
    .unwrap();
    let run = keyledger(&["init", ".", "--stdout"], clean.path());
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stderr.is_empty(), "{}", run.transcript());
}
