//! Git scopes on real throwaway repositories built with real commits.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn token(n: u8) -> String {
    // A synthetic GitHub classic token, assembled so this file holds none.
    format!(
        "ghp_{}{}",
        "R8kT2vX9mQ4wL7nB3cY6dF1gH5jK0pS2uZ8",
        (b'a' + n) as char
    )
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn commit(dir: &Path, msg: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", msg]);
    git(dir, &["rev-parse", "HEAD"])
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "README.md", "# app\n");
    commit(dir.path(), "initial");
    dir
}

/// `keyledger check --history` (no inventory) on the repository at `d`.
fn history(d: &Path, format: &str) -> Run {
    keyledger(
        &[
            "check",
            ".",
            "--history",
            "--no-inventory",
            "--format",
            format,
        ],
        d,
    )
}

fn findings(run: &Run) -> Vec<serde_json::Value> {
    run.json()["findings"].as_array().unwrap().clone()
}

#[test]
fn staged_scans_the_index_added_lines_only() {
    let dir = repo();
    let d = dir.path();
    write(d, "old.yaml", &format!("legacy: {}\n", token(0)));
    commit(d, "an old secret, already committed");
    // Stage a clean edit of old.yaml and a new file with a secret; then
    // remove the secret from the working tree only: the index is scanned.
    write(d, "old.yaml", &format!("legacy: {}\nname: app\n", token(0)));
    write(
        d,
        "config/new.yaml",
        &format!("# settings\ntoken: {}\n", token(1)),
    );
    git(d, &["add", "-A"]);
    write(d, "config/new.yaml", "# settings\ntoken: ${TOKEN}\n");
    let run = keyledger(&["check", ".", "--staged", "--format", "json"], d);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["path"], "config/new.yaml");
    assert_eq!(
        (f[0]["line"].as_u64(), f[0]["column"].as_u64()),
        (Some(2), Some(8))
    );
    assert!(f[0]["commit"].is_null());
    assert!(!run.stdout.contains(&token(1)[4..]));
    // Nothing staged: clean.
    git(d, &["reset", "-q"]);
    let run = keyledger(&["check", ".", "--staged", "--format", "json"], d);
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn since_reports_added_lines_with_their_commit() {
    let dir = repo();
    let d = dir.path();
    let base = git(d, &["rev-parse", "HEAD"]);
    write(d, "deploy.sh", &format!("export GH_TOKEN={}\n", token(2)));
    let added = commit(d, "add deploy script");
    write(d, "deploy.sh", "export GH_TOKEN=\"$GH_TOKEN\"\n");
    commit(d, "read the token from the environment");
    let run = keyledger(
        &[
            "check",
            ".",
            "--since",
            &base,
            "--no-inventory",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["commit"], added.as_str());
    assert_eq!(f[0]["path"], "deploy.sh");
    // The range after the fix is clean.
    let run = keyledger(
        &[
            "check",
            ".",
            "--since",
            &added,
            "--no-inventory",
            "--format",
            "json",
        ],
        d,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    // A missing base says to fetch more history.
    let run = keyledger(
        &["check", ".", "--since", "origin/main", "--no-inventory"],
        d,
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("fetch"), "{}", run.stderr);
}

#[test]
fn history_scans_every_blob_once_and_attributes_the_introducing_commit() {
    let dir = repo();
    let d = dir.path();
    write(d, "app/settings.py", &format!("API = \"{}\"\n", token(3)));
    let introduced = commit(d, "settings with a token");
    git(d, &["mv", "app/settings.py", "app/config.py"]);
    commit(d, "rename");
    write(d, "app/config.py", "API = os.environ[\"API\"]\n");
    commit(d, "remove the token");
    // A side branch, never merged, with another secret.
    git(d, &["checkout", "-q", "-b", "side"]);
    write(d, "side.env", &format!("GH={}\n", token(4)));
    let side = commit(d, "side secret");
    git(d, &["checkout", "-q", "main"]);
    // A merge, a deleted file, a binary blob, a submodule and an LFS pointer.
    git(d, &["checkout", "-q", "-b", "feature"]);
    write(d, "feature.txt", "feature\n");
    commit(d, "feature");
    git(d, &["checkout", "-q", "main"]);
    git(
        d,
        &["merge", "-q", "--no-ff", "-m", "merge feature", "feature"],
    );
    std::fs::write(d.join("logo.bin"), b"\0\x01\x02binary").unwrap();
    write(
        d,
        "big.psd",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    std::fs::remove_file(d.join("feature.txt")).unwrap();
    commit(d, "assets");
    git(
        d,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{introduced},vendor/lib"),
        ],
    );
    git(d, &["commit", "-q", "-m", "submodule"]);
    // Detached HEAD.
    git(d, &["checkout", "-q", "--detach", "HEAD~1"]);

    let run = history(d, "json");
    assert_eq!(run.code, 1, "{}", run.transcript());
    let doc = run.json();
    let f = findings(&run);
    assert_eq!(f.len(), 2, "each secret once, despite the rename: {f:#?}");
    let settings = f
        .iter()
        .find(|x| x["path"] == "app/settings.py")
        .expect("attributed to its first path");
    assert_eq!(settings["commit"], introduced.as_str());
    let side_f = f
        .iter()
        .find(|x| x["path"] == "side.env")
        .expect("unmerged branch scanned");
    assert_eq!(side_f["commit"], side.as_str());
    let skipped = &doc["summary"]["scan"]["skipped"];
    assert_eq!(skipped["submodule"][0], "vendor/lib");
    assert_eq!(skipped["lfs_pointer"][0], "big.psd");
    assert_eq!(skipped["binary"][0], "logo.bin");
    // SARIF and GitHub formats carry the same findings.
    let sarif = history(d, "sarif").json();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert_eq!(
        sarif["runs"][0]["results"][0]["properties"]["commit"]
            .as_str()
            .map(str::len),
        Some(40)
    );
}

/// A synthetic PEM body: `lines` lines of 64 base64 characters from a
/// fixed pseudo-random sequence (no real key is in this file).
fn pem_body(seed: u64, lines: usize) -> Vec<String> {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = seed;
    (0..lines)
        .map(|_| {
            (0..64)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    B64[(x >> 58) as usize] as char
                })
                .collect()
        })
        .collect()
}

fn source_lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("    let value_{i} = compute(\"input {i}\", {i});"))
        .collect()
}

/// Later versions of a file are scanned where they changed (with context),
/// and a change inside a multi-line key block is a new key: what a
/// whole-blob scan of every version reports, each at the commit that
/// introduced it.
#[test]
fn history_scans_what_each_version_changed() {
    let dir = repo();
    let d = dir.path();
    let mut lines = source_lines(200);
    lines[10] = format!("    let api = \"{}\";", token(5));
    let key_at = 150;
    let begin = "-----BEGIN RSA PRIVATE KEY-----".to_string();
    let end = "-----END RSA PRIVATE KEY-----".to_string();
    let mut key = vec![begin.clone()];
    key.extend(pem_body(1, 12));
    key.push(end.clone());
    lines.splice(key_at..key_at, key);
    write(d, "src/main.rs", &(lines.join("\n") + "\n"));
    let first = commit(d, "a big file with a token and a key");
    // An edit far from both: nothing new.
    lines.insert(100, "    log(\"progress\");".into());
    write(d, "src/main.rs", &(lines.join("\n") + "\n"));
    commit(d, "a clean edit");
    // A new token in the middle.
    lines.insert(60, format!("    let backup = \"{}\";", token(6)));
    write(d, "src/main.rs", &(lines.join("\n") + "\n"));
    let second = commit(d, "a second token");
    // One line inside the key block changes: a different key, whose
    // BEGIN line is far from the change.
    let inside = lines.iter().position(|l| *l == begin).unwrap() + 8;
    lines[inside] = pem_body(2, 1).remove(0);
    write(d, "src/main.rs", &(lines.join("\n") + "\n"));
    let rekeyed = commit(d, "a changed key");

    let run = history(d, "json");
    assert_eq!(run.code, 1, "{}", run.transcript());
    let f = findings(&run);
    let at = |commit: &str, detector_word: &str| -> Vec<u64> {
        f.iter()
            .filter(|x| {
                x["commit"] == commit && x["message"].as_str().unwrap().contains(detector_word)
            })
            .map(|x| x["line"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(at(&first, "GitHub"), vec![11], "{f:#?}");
    assert_eq!(at(&first, "RSA private key").len(), 1, "{f:#?}");
    assert_eq!(at(&second, "GitHub"), vec![61], "{f:#?}");
    assert_eq!(at(&rekeyed, "RSA private key").len(), 1, "{f:#?}");
    assert_eq!(f.len(), 4, "nothing else, nothing twice: {f:#?}");
    assert!(!run.stdout.contains(&token(6)) && !run.stdout.contains(&pem_body(2, 1)[0]));
}

#[test]
fn not_a_repository_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = keyledger(&["check", ".", "--staged", "--no-inventory"], dir.path());
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("not in a git repository"),
        "{}",
        run.stderr
    );
}

/// A history of one file's many versions (deltas in a pack), a token
/// planted in a middle version, a key in another file, a rename.
fn versioned_history(d: &Path) {
    let mut lines = source_lines(300);
    for v in 0..40 {
        lines[(v * 7) % 300] = format!("    let edited_{v} = compute(\"edit {v}\", {v});");
        if v == 17 {
            lines.insert(150, format!("    let api = \"{}\";", token(7)));
        }
        if v == 25 {
            let mut key = vec!["-----BEGIN RSA PRIVATE KEY-----".to_string()];
            key.extend(pem_body(3, 12));
            key.push("-----END RSA PRIVATE KEY-----".into());
            write(d, "config/key.pem", &(key.join("\n") + "\n"));
        }
        if v == 30 {
            git(d, &["mv", "config/key.pem", "config/old.pem"]);
        }
        write(d, "src/lib.rs", &(lines.join("\n") + "\n"));
        commit(d, &format!("version {v}"));
    }
}

/// What a history scan reports, without the parts that name the run.
fn history_findings(d: &Path) -> Vec<String> {
    let run = history(d, "json");
    assert_eq!(run.code, 1, "{}", run.transcript());
    findings(&run)
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{} {}",
                f["rule"], f["commit"], f["path"], f["line"], f["column"], f["message"]
            )
        })
        .collect()
}

/// Every pack into one pack with offset deltas (as git writes them), and
/// no loose objects left.
fn repack_with_offset_deltas(d: &Path) {
    git(
        d,
        &[
            "repack",
            "-a",
            "-d",
            "-f",
            "--depth=50",
            "--window=50",
            "-q",
        ],
    );
    git(d, &["prune-packed"]);
}

/// The files in the repository's pack directory ending in `.{ext}`.
fn pack_files(d: &Path, ext: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(d.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect()
}

/// How many objects in the repository's packs are stored as deltas.
fn packed_deltas(d: &Path) -> usize {
    pack_files(d, "idx")
        .iter()
        .map(|idx| {
            git(d, &["verify-pack", "-v", idx.to_str().unwrap()])
                .lines()
                // `id type size size-in-pack offset depth base-id`
                .filter(|l| l.split_whitespace().count() == 7)
                .count()
        })
        .sum()
}

/// Packed objects (offset deltas as git writes them, then id deltas) are
/// read by keyledger's own pack reader: the findings are those of the same
/// history read loose through libgit2.
#[test]
fn packed_history_reports_what_loose_history_reports() {
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    let loose = history_findings(d);
    assert_eq!(loose.len(), 2, "{loose:#?}");

    repack_with_offset_deltas(d);
    assert!(packed_deltas(d) > 30, "the versions are deltas");
    assert_eq!(history_findings(d), loose, "offset deltas");

    git(
        d,
        &[
            "-c",
            "repack.useDeltaBaseOffset=false",
            "repack",
            "-a",
            "-d",
            "-f",
            "-q",
        ],
    );
    assert!(packed_deltas(d) > 30);
    assert_eq!(history_findings(d), loose, "id deltas");

    // New commits in a second pack, next to the first.
    write(
        d,
        "src/new.rs",
        &format!("const T: &str = \"{}\";\n", token(8)),
    );
    let newer = commit(d, "a token in a second pack");
    git(d, &["repack", "-d", "-q"]);
    let found = history_findings(d);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found.iter().any(|f| f.contains(&newer)), "{found:#?}");
}

/// The list of every object id in the repository.
fn object_ids(d: &Path) -> Vec<git2::Oid> {
    git(
        d,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname)",
        ],
    )
    .lines()
    .map(|l| git2::Oid::from_str(l).unwrap())
    .collect()
}

/// Every object keyledger's pack reader returns is the one libgit2 reads,
/// byte for byte, whichever order the objects are read in.
#[test]
fn the_pack_reader_agrees_with_libgit2_on_every_object() {
    use keyledger::pack::{Inflater, Kind, Packs};
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    repack_with_offset_deltas(d);
    let repo = git2::Repository::open(d).unwrap();
    let odb = repo.odb().unwrap();
    let mut ids = object_ids(d);
    assert!(ids.len() > 100);
    for round in 0..3 {
        // Pack order, its reverse, and a shuffle: the cache must not care.
        match round {
            1 => ids.reverse(),
            2 => ids.sort_by_key(|id| id.as_bytes()[7]),
            _ => {}
        }
        let packs = Packs::open(&d.join(".git/objects"), 1 << 20);
        let mut z = Inflater::default();
        for id in &ids {
            let (kind, data) = packs.read(id.as_bytes(), &mut z).expect("in the pack");
            let obj = odb.read(*id).unwrap();
            assert_eq!(Some(kind), Kind::of(obj.kind()), "{id}");
            assert!(
                *data == *obj.data(),
                "{id}: content differs (round {round})"
            );
        }
    }
    // Not in any pack: left to libgit2.
    assert!(
        Packs::open(&d.join(".git/objects"), 1 << 20)
            .read(&[0xab; 20], &mut Inflater::default())
            .is_none()
    );
}

/// A damaged pack is never a panic: every object either reads as libgit2
/// would or is left to libgit2 (`None`), and a history scan still ends.
#[test]
fn a_damaged_pack_is_never_a_panic() {
    use keyledger::pack::{Inflater, Packs};
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    repack_with_offset_deltas(d);
    let ids = object_ids(d);
    let pack = pack_files(d, "pack").remove(0);
    let original = std::fs::read(&pack).unwrap();
    // The pack is read-only as git writes it.
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    let mut x = 0x9e3779b97f4a7c15u64;
    for _ in 0..40 {
        let mut bytes = original.clone();
        for _ in 0..8 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            // Past the 12-byte header, before the trailing checksum.
            let at = 12 + (x >> 33) as usize % (bytes.len() - 32);
            bytes[at] ^= 1 << ((x >> 29) & 7);
        }
        std::fs::write(&pack, &bytes).unwrap();
        let packs = Packs::open(&d.join(".git/objects"), 1 << 20);
        let mut z = Inflater::default();
        for id in &ids {
            let _ = packs.read(id.as_bytes(), &mut z);
        }
    }
    // A damaged blob (flipped bits in its compressed data) is reported
    // unreadable by the scan, which ends normally.
    let mut bytes = original.clone();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0x55;
    }
    std::fs::write(&pack, &bytes).unwrap();
    let run = history(d, "json");
    // Something could not be read: the scan says so and does not pass.
    assert_eq!(run.code, 2, "{}", run.transcript());
    let unreadable = run.json()["summary"]["scan"]["git"]["unreadable"].clone();
    assert!(
        !unreadable.as_array().unwrap().is_empty(),
        "{}",
        run.transcript()
    );
}

// ---------------------------------------------------------------------
// Damaged and hostile object stores (issue 12).
// ---------------------------------------------------------------------

/// `keyledger check --history --no-inventory --format json` plus `extra`.
fn history_with(d: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "check",
        ".",
        "--history",
        "--no-inventory",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    keyledger(&args, d)
}

/// The loose file of object `id`, made writable.
fn loose_object(d: &Path, id: &str) -> std::path::PathBuf {
    let p = d.join(".git/objects").join(&id[..2]).join(&id[2..]);
    assert!(p.exists(), "{id} is not loose");
    let mut perms = std::fs::metadata(&p).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&p, perms).unwrap();
    p
}

fn unreadable(run: &Run) -> Vec<serde_json::Value> {
    run.json()["summary"]["scan"]["git"]["unreadable"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Three commits, the tip holding a token; returns their ids.
fn three_commits(d: &Path) -> [String; 3] {
    write(d, "app.py", "print('one')\n");
    let a = commit(d, "one");
    write(d, "lib/util.py", "def util():\n    return 2\n");
    let b = commit(d, "two");
    write(d, "deploy.env", &format!("GH_TOKEN={}\n", token(9)));
    let c = commit(d, "three: a token");
    [a, b, c]
}

/// With one commit object missing, the history scan names it, still scans
/// what it can read (the tip's token is reported) and exits 2; it is never
/// a clean pass, in any format.
#[test]
fn a_missing_commit_makes_the_history_incomplete() {
    let dir = repo();
    let d = dir.path();
    let [_, middle, tip] = three_commits(d);
    std::fs::remove_file(loose_object(d, &middle)).unwrap();
    let run = history_with(d, &[]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let u = unreadable(&run);
    assert_eq!(u.len(), 1, "{u:#?}");
    assert_eq!(u[0]["kind"], "commit");
    assert_eq!(u[0]["id"], middle.as_str());
    assert_eq!(u[0]["reason"], "missing");
    assert_eq!(u[0]["commit"], tip.as_str(), "the child that reaches it");
    let f = findings(&run);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["commit"], tip.as_str());
    assert!(run.stderr.contains("incomplete"), "{}", run.stderr);
    // Human: no check mark, the object named, the exit code explained.
    let human = keyledger(&["check", ".", "--history", "--no-inventory"], d);
    assert_eq!(human.code, 2, "{}", human.transcript());
    assert!(!human.stdout.contains('✔'), "{}", human.stdout);
    assert!(human.stdout.contains(&middle), "{}", human.stdout);
    assert!(human.stdout.contains("INCOMPLETE"), "{}", human.stdout);
    // Accepted: the findings decide the exit code, the gap is still listed.
    let run = history_with(d, &["--allow-incomplete-history"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_eq!(unreadable(&run).len(), 1);
    assert_eq!(
        run.json()["summary"]["scan"]["git"]["allow_incomplete"],
        true
    );
}

/// A corrupt commit, a missing tree and a missing blob: each is reported
/// with its kind, id and path, and counted.
#[test]
fn corrupt_and_missing_objects_are_named_and_counted() {
    let dir = repo();
    let d = dir.path();
    let [first, _, tip] = three_commits(d);
    // The first commit: garbage in place of its object.
    std::fs::write(loose_object(d, &first), b"not zlib at all").unwrap();
    // The tip's tree: missing. Its blob deploy.env: readable through no
    // tree, so the token is not found; say so.
    let tree = git(d, &["rev-parse", &format!("{tip}^{{tree}}")]);
    std::fs::remove_file(loose_object(d, &tree)).unwrap();
    let run = history_with(d, &[]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let u = unreadable(&run);
    let kinds: Vec<(&str, &str, &str)> = u
        .iter()
        .map(|x| {
            (
                x["kind"].as_str().unwrap(),
                x["id"].as_str().unwrap(),
                x["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("commit", first.as_str(), "corrupt")),
        "{u:#?}"
    );
    assert!(
        kinds.contains(&("tree", tree.as_str(), "missing")),
        "{u:#?}"
    );
    let skipped = &run.json()["summary"]["scan"]["skipped"]["unreadable"];
    assert!(
        skipped.as_array().unwrap().iter().any(|p| p == "(root)"),
        "{skipped:#?}"
    );

    // A missing blob, in a fresh repository: named with its path.
    let dir = repo();
    let d = dir.path();
    let [_, _, tip] = three_commits(d);
    let blob = git(d, &["rev-parse", &format!("{tip}:deploy.env")]);
    std::fs::remove_file(loose_object(d, &blob)).unwrap();
    let run = history_with(d, &[]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let u = unreadable(&run);
    assert_eq!(u.len(), 1, "{u:#?}");
    assert_eq!(
        (&u[0]["kind"], &u[0]["id"], &u[0]["path"]),
        (
            &serde_json::json!("blob"),
            &serde_json::json!(blob),
            &serde_json::json!("deploy.env")
        )
    );
    assert_eq!(
        run.json()["summary"]["scan"]["skipped"]["unreadable"],
        serde_json::json!(["deploy.env"])
    );
}

/// `--since` and `--staged` are as honest: a blob they cannot read is
/// named and the exit code is 2 (unless accepted).
#[test]
fn since_and_staged_report_unreadable_blobs() {
    let dir = repo();
    let d = dir.path();
    let base = git(d, &["rev-parse", "HEAD"]);
    write(d, "deploy.sh", &format!("export GH_TOKEN={}\n", token(2)));
    let added = commit(d, "add deploy script");
    let blob = git(d, &["rev-parse", &format!("{added}:deploy.sh")]);
    std::fs::remove_file(loose_object(d, &blob)).unwrap();
    let args = [
        "check",
        ".",
        "--since",
        &base,
        "--no-inventory",
        "--format",
        "json",
    ];
    let run = keyledger(&args, d);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let u = unreadable(&run);
    assert_eq!(u.len(), 1, "{u:#?}");
    assert_eq!(u[0]["path"], "deploy.sh");
    assert_eq!(u[0]["commit"], added.as_str());
    let mut accepted = args.to_vec();
    accepted.push("--allow-incomplete-history");
    assert_eq!(keyledger(&accepted, d).code, 0);

    write(d, "new.env", &format!("T={}\n", token(3)));
    git(d, &["add", "new.env"]);
    let staged = git(d, &["rev-parse", ":new.env"]);
    std::fs::remove_file(loose_object(d, &staged)).unwrap();
    let run = keyledger(&["check", ".", "--staged", "--format", "json"], d);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_eq!(unreadable(&run)[0]["path"], "new.env");
}

/// A shallow clone cannot be scanned whole; a partial clone's missing
/// blobs were never scanned: both are reported, and say why.
#[test]
fn shallow_and_partial_clones_are_incomplete_and_say_why() {
    let src = repo();
    let s = src.path();
    three_commits(s);
    git(s, &["config", "uploadpack.allowFilter", "true"]);
    let url = format!("file://{}", s.display());
    let out = tempfile::tempdir().unwrap();
    let o = out.path();
    git(o, &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let run = history_with(&o.join("shallow"), &[]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let u = unreadable(&run);
    assert!(
        u[0]["reason"].as_str().unwrap().contains("shallow"),
        "{u:#?}"
    );
    // The tip's token is still found.
    assert_eq!(findings(&run).len(), 1, "{}", run.transcript());

    git(
        o,
        &[
            "clone",
            "-q",
            "--no-checkout",
            "--filter=blob:none",
            &url,
            "partial",
        ],
    );
    let run = history_with(&o.join("partial"), &[]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    let u = unreadable(&run);
    assert!(u.len() >= 3, "{u:#?}");
    assert!(
        u.iter().all(|x| x["kind"] == "blob"
            && x["reason"].as_str().unwrap().contains("partial clone")),
        "{u:#?}"
    );
}

/// A zlib stream of `data` in stored (uncompressed) blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(65535).collect()
    };
    for (i, c) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let n = c.len() as u16;
        out.extend(n.to_le_bytes());
        out.extend((!n).to_le_bytes());
        out.extend_from_slice(c);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend(((b << 16) | a).to_be_bytes());
    out
}

/// A pack entry header: type and (declared) size.
fn entry_header(ty: u8, mut size: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut c = (ty << 4) | (size & 15) as u8;
    size >>= 4;
    while size > 0 {
        out.push(c | 0x80);
        c = (size & 0x7f) as u8;
        size >>= 7;
    }
    out.push(c);
    out
}

/// A git delta: source size, target size, then one insert of `data`.
fn delta_insert(source: u64, target: u64, data: &[u8]) -> Vec<u8> {
    let varint = |mut n: u64, out: &mut Vec<u8>| loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    };
    let mut d = Vec::new();
    varint(source, &mut d);
    varint(target, &mut d);
    d.push(data.len() as u8);
    d.extend_from_slice(data);
    d
}

/// Writes a pack of `(id, entry bytes)` and its version-2 index to the
/// repository's pack folder (checksums left zero: keyledger's reader does
/// not need them, and no git command reads this pack).
fn write_pack(d: &Path, name: &str, entries: &[([u8; 20], Vec<u8>)]) {
    let mut pack = b"PACK".to_vec();
    pack.extend(2u32.to_be_bytes());
    pack.extend((entries.len() as u32).to_be_bytes());
    let mut at: Vec<([u8; 20], u32)> = Vec::new();
    for (id, bytes) in entries {
        at.push((*id, pack.len() as u32));
        pack.extend_from_slice(bytes);
    }
    pack.extend([0u8; 20]);
    at.sort();
    let mut idx = b"\xfftOc\0\0\0\x02".to_vec();
    for b in 0..=255u8 {
        let n = at.iter().filter(|(id, _)| id[0] <= b).count() as u32;
        idx.extend(n.to_be_bytes());
    }
    for (id, _) in &at {
        idx.extend_from_slice(id);
    }
    for _ in &at {
        idx.extend([0u8; 4]);
    }
    for (_, o) in &at {
        idx.extend(o.to_be_bytes());
    }
    idx.extend([0u8; 40]);
    let dir = d.join(".git/objects/pack");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("pack-{name}.pack")), pack).unwrap();
    std::fs::write(dir.join(format!("pack-{name}.idx")), idx).unwrap();
}

fn id_bytes(hex: &str) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

/// A commit on main whose tree has `files` (path, blob id) that need not
/// exist; returns the commit.
fn commit_with_blobs(d: &Path, files: &[(&str, &str)]) -> String {
    let listing: String = files
        .iter()
        .map(|(p, id)| format!("100644 blob {id}\t{p}\n"))
        .collect();
    let mut child = Command::new("git")
        .args(["mktree", "--missing"])
        .current_dir(d)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(listing.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let tree = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let c = git(d, &["commit-tree", &tree, "-p", "HEAD", "-m", "crafted"]);
    git(d, &["update-ref", "refs/heads/main", &c]);
    c
}

/// Runs keyledger under an address-space limit (KiB) and a time limit,
/// returning the run and how long it took.
fn keyledger_bounded(args: &[&str], d: &Path, vmem_kib: u64, secs: u64) -> (Run, f64) {
    let start = std::time::Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {vmem_kib}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_keyledger"))
        .args(args)
        .current_dir(d)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = start + std::time::Duration::from_secs(secs);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("keyledger {args:?} ran longer than {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.transcript());
    (run, start.elapsed().as_secs_f64())
}

const HISTORY_JSON: &[&str] = &[
    "check",
    ".",
    "--history",
    "--no-inventory",
    "--format",
    "json",
];

/// A blob stored as a delta of itself, and two blobs stored as deltas of
/// each other: reported as delta cycles, quickly and in bounded memory
/// (libgit2 follows such a chain forever, allocating as it goes).
#[test]
fn delta_cycles_are_detected() {
    let dir = repo();
    let d = dir.path();
    let (x, y, z) = (
        "1111111111111111111111111111111111111111",
        "2222222222222222222222222222222222222222",
        "3333333333333333333333333333333333333333",
    );
    commit_with_blobs(d, &[("self.txt", x), ("a.txt", y), ("b.txt", z)]);
    let delta = zlib_stored(&delta_insert(5, 5, b"hello"));
    let ref_delta = |base: &str| {
        let mut e = entry_header(7, 8);
        e.extend(id_bytes(base));
        e.extend(&delta);
        e
    };
    write_pack(
        d,
        "cycles",
        &[
            (id_bytes(x), ref_delta(x)),
            (id_bytes(y), ref_delta(z)),
            (id_bytes(z), ref_delta(y)),
        ],
    );
    let (run, secs) = keyledger_bounded(HISTORY_JSON, d, 1 << 20, 30);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(secs < 15.0, "{secs} s");
    let u = unreadable(&run);
    let cycles: Vec<&str> = u
        .iter()
        .filter(|x| x["reason"] == "delta cycle")
        .map(|x| x["path"].as_str().unwrap())
        .collect();
    assert_eq!(cycles.len(), 3, "{u:#?}");
    for p in ["self.txt", "a.txt", "b.txt"] {
        assert!(cycles.contains(&p), "{u:#?}");
    }
}

/// A 500-byte pack that claims a 1 GiB blob (whole, or as a delta's
/// result) is skipped as too large from its declared size, nothing
/// inflated: it runs under a 2 GiB address-space cap, and is counted.
#[test]
fn declared_sizes_are_checked_before_inflating() {
    let dir = repo();
    let d = dir.path();
    let (big, big_delta, small) = (
        "4444444444444444444444444444444444444444",
        "5555555555555555555555555555555555555555",
        "6666666666666666666666666666666666666666",
    );
    commit_with_blobs(
        d,
        &[
            ("big.bin", big),
            ("big-delta.txt", big_delta),
            ("small.txt", small),
        ],
    );
    let mut whole = entry_header(3, 1 << 30);
    whole.extend(zlib_stored(b"tiny"));
    let mut small_entry = entry_header(3, 5);
    small_entry.extend(zlib_stored(b"hello"));
    let claim = delta_insert(5, 1 << 30, b"x");
    let mut delta = entry_header(7, claim.len() as u64);
    delta.extend(id_bytes(small));
    delta.extend(zlib_stored(&claim));
    let entries = [
        (id_bytes(big), whole),
        (id_bytes(big_delta), delta),
        (id_bytes(small), small_entry),
    ];
    write_pack(d, "claims", &entries);
    let size = std::fs::metadata(d.join(".git/objects/pack/pack-claims.pack"))
        .unwrap()
        .len();
    assert!(size < 500, "{size}");
    let (run, secs) = keyledger_bounded(HISTORY_JSON, d, 2 << 20, 30);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(secs < 15.0);
    let scan = &run.json()["summary"]["scan"];
    let mut too_large: Vec<String> = scan["skipped"]["too_large"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    too_large.sort();
    assert_eq!(too_large, ["big-delta.txt", "big.bin"], "{scan:#?}");
    assert!(unreadable(&run).is_empty());
}

// ---------------------------------------------------------------------
// Accounting, threads and the cache (issue 16).
// ---------------------------------------------------------------------

/// The summary without what legitimately differs between two runs.
fn accounting(run: &Run) -> serde_json::Value {
    let mut s = run.json()["summary"]["scan"].clone();
    if let Some(g) = s.get_mut("git").and_then(|g| g.as_object_mut()) {
        for k in [
            "threads",
            "cache",
            "cached_blobs",
            "cached_commits",
            "rescanned",
        ] {
            g.remove(k);
        }
    }
    s
}

fn finding_lines(run: &Run) -> Vec<String> {
    findings(run)
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{} {}",
                f["rule"], f["commit"], f["path"], f["line"], f["column"], f["message"]
            )
        })
        .collect()
}

/// The counts and skip lists are the same on every run, on 1 or 2
/// threads; the summary says how many commits, trees and blob versions
/// were walked.
#[test]
fn accounting_is_deterministic_across_runs_and_threads() {
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    std::fs::write(d.join("logo.png"), b"\x89PNG\0\0binary").unwrap();
    commit(d, "a binary");
    repack_with_offset_deltas(d);
    let runs: Vec<Run> = [["--threads", "1"], ["--threads", "2"], ["--threads", "2"]]
        .iter()
        .map(|t| history_with(d, &[t[0], t[1], "--no-cache"]))
        .collect();
    let first = accounting(&runs[0]);
    assert_eq!(first["git"]["commits"], 42, "{first:#?}");
    assert!(first["git"]["blobs"].as_u64().unwrap() >= 43, "{first:#?}");
    assert!(first["bytes"].as_u64().unwrap() > 0);
    for r in &runs {
        assert_eq!(r.code, 1, "{}", r.transcript());
        assert_eq!(accounting(r), first);
        assert_eq!(finding_lines(r), finding_lines(&runs[0]));
    }
    let human = keyledger(
        &["check", ".", "--history", "--no-inventory", "--no-cache"],
        d,
    );
    assert!(
        human.stdout.contains("walked 42 commits"),
        "{}",
        human.stdout
    );
}

/// The second run reads the cache: the same findings and the same
/// summary, only what is new scanned; a new commit is scanned on top;
/// `--no-cache` neither reads nor writes; the cache holds no secret.
#[test]
fn the_history_cache_scans_only_what_is_new() {
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    let cold = history_with(d, &[]);
    assert_eq!(cold.code, 1, "{}", cold.transcript());
    assert_eq!(cold.json()["summary"]["scan"]["git"]["cache"], "cold");
    let file = d.join(".git/keyledger/history.cache");
    assert!(file.exists());
    let bytes = std::fs::read(&file).unwrap();
    let needle = token(7);
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
        "the cache holds a secret"
    );

    let warm = history_with(d, &[]);
    assert_eq!(warm.code, 1, "{}", warm.transcript());
    let g = &warm.json()["summary"]["scan"]["git"];
    assert_eq!(g["cache"], "warm");
    assert_eq!(g["cached_commits"], g["commits"]);
    assert_eq!(finding_lines(&warm), finding_lines(&cold));
    assert_eq!(accounting(&warm), accounting(&cold));

    // A new commit: scanned on top of the cache.
    write(d, "later.env", &format!("T={}\n", token(12)));
    let later = commit(d, "a later token");
    let warm2 = history_with(d, &[]);
    let g = &warm2.json()["summary"]["scan"]["git"];
    assert_eq!(g["cache"], "warm");
    assert_eq!(
        g["commits"].as_u64().unwrap(),
        g["cached_commits"].as_u64().unwrap() + 1
    );
    let lines = finding_lines(&warm2);
    assert_eq!(lines.len(), finding_lines(&cold).len() + 1, "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains(&later)), "{lines:#?}");
    // The same as a run without the cache.
    let fresh = history_with(d, &["--no-cache"]);
    assert_eq!(finding_lines(&fresh), lines);
    assert_eq!(accounting(&fresh), accounting(&warm2));
    assert!(
        fresh.json()["summary"]["scan"]["git"]
            .get("cache")
            .is_none()
    );

    // Another configuration invalidates it.
    write(d, "keyledger.toml", "[scan]\nmax_file_size = 1000000\n");
    let other = history_with(d, &[]);
    assert!(
        other.json()["summary"]["scan"]["git"]["cache"]
            .as_str()
            .unwrap()
            .starts_with("invalidated"),
        "{}",
        other.transcript()
    );
    // A damaged file is ignored, and replaced.
    std::fs::write(&file, b"KLHC\x01\0\0\0garbage").unwrap();
    let damaged = history_with(d, &[]);
    assert!(
        damaged.json()["summary"]["scan"]["git"]["cache"]
            .as_str()
            .unwrap()
            .starts_with("damaged"),
    );
    assert_eq!(finding_lines(&damaged), lines);
    assert_eq!(
        history_with(d, &[]).json()["summary"]["scan"]["git"]["cache"],
        "warm"
    );
}

/// A warm run scans again only the blobs whose findings the report
/// shows: later versions that repeat a value an older version holds
/// cannot be the one reported, and are not rescanned.
#[test]
fn a_warm_run_rescans_only_the_blobs_it_reports_from() {
    let dir = repo();
    let d = dir.path();
    let mut text = format!("API_TOKEN={}\n", token(3));
    write(d, "app.env", &text);
    commit(d, "a token");
    for v in 0..6 {
        // Small files are scanned whole: every version finds the token.
        text.push_str(&format!("SETTING_{v}=value {v}\n"));
        write(d, "app.env", &text);
        commit(d, &format!("setting {v}"));
    }
    let cold = history_with(d, &[]);
    assert_eq!(cold.code, 1, "{}", cold.transcript());
    assert_eq!(findings(&cold).len(), 1, "{}", cold.transcript());
    let warm = history_with(d, &[]);
    let g = &warm.json()["summary"]["scan"]["git"];
    assert_eq!(g["cache"], "warm");
    assert_eq!(g["rescanned"], 1, "{g:#?}");
    assert_eq!(finding_lines(&warm), finding_lines(&cold));
    assert_eq!(accounting(&warm), accounting(&cold));
    let human = keyledger(&["check", ".", "--history", "--no-inventory"], d);
    assert!(human.stdout.contains("1 scanned again"), "{}", human.stdout);
    // And a third run agrees with both.
    let again = history_with(d, &[]);
    assert_eq!(finding_lines(&again), finding_lines(&cold));
    assert_eq!(accounting(&again), accounting(&cold));
}

/// Runs started together leave a whole cache behind and report the same.
#[test]
fn concurrent_runs_share_the_cache_safely() {
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    let expected = finding_lines(&history_with(d, &["--no-cache"]));
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_keyledger"))
                .args(HISTORY_JSON)
                .current_dir(d)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert_eq!(run.code, 1, "{}", run.transcript());
        assert_eq!(finding_lines(&run), expected);
    }
    let after = history_with(d, &[]);
    assert_eq!(after.json()["summary"]["scan"]["git"]["cache"], "warm");
    assert_eq!(finding_lines(&after), expected);
    let leftovers = std::fs::read_dir(d.join(".git/keyledger"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0);
}

// ---------------------------------------------------------------------
// Bounded mutation fuzzing of packs.
// ---------------------------------------------------------------------

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    /// Copy `len` bytes from one place over another (headers over data,
    /// data over headers).
    Copy(usize, usize, usize),
}

fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len().max(1);
    match m {
        Mutation::Flip(at, bit) => {
            if let Some(b) = bytes.get_mut(at % n) {
                *b ^= 1 << (bit % 8);
            }
        }
        Mutation::Set(at, v) => {
            if let Some(b) = bytes.get_mut(at % n) {
                *b = *v;
            }
        }
        Mutation::Truncate(at) => bytes.truncate(at % n),
        Mutation::Insert(at, v) => {
            let at = at % n;
            bytes.splice(at..at, v.iter().copied());
        }
        Mutation::Copy(from, to, len) => {
            let (from, to) = (from % n, to % n);
            let len = (*len).min(bytes.len().saturating_sub(from.max(to)));
            let chunk = bytes[from..from + len].to_vec();
            bytes[to..to + len].copy_from_slice(&chunk);
        }
    }
}

fn mutation() -> impl proptest::strategy::Strategy<Value = Mutation> {
    use proptest::prelude::*;
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Set(a, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(a, v)| Mutation::Insert(a, v)),
        2 => (any::<usize>(), any::<usize>(), 1usize..64)
            .prop_map(|(a, b, n)| Mutation::Copy(a, b, n)),
    ]
}

/// Random damage to a repository's pack and index (a few seconds' worth
/// of cases; `KEYLEDGER_FUZZ_CASES=2000` for a longer run): the reader
/// never panics, every read ends quickly, and a history scan of the
/// damaged repository ends within bounded time under a 1 GiB address
/// space cap, with exit 0, 1 or 2 and never the planted secret in its
/// output.
#[test]
fn mutated_packs_never_panic_hang_exhaust_memory_or_leak() {
    use keyledger::pack::{Inflater, Packs};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let cases: u32 = std::env::var("KEYLEDGER_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let dir = repo();
    let d = dir.path();
    versioned_history(d);
    let planted = token(13);
    write(d, "ci/deploy.env", &format!("GH_TOKEN={planted}\n"));
    commit(d, "a planted token");
    repack_with_offset_deltas(d);
    let ids = object_ids(d);
    let pack = pack_files(d, "pack").remove(0);
    let idx = pack_files(d, "idx").remove(0);
    for p in [&pack, &idx] {
        let mut perms = std::fs::metadata(p).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(p, perms).unwrap();
    }
    let (pack0, idx0) = (std::fs::read(&pack).unwrap(), std::fs::read(&idx).unwrap());
    let secret_tail = &planted[8..];
    let strategy = (
        proptest::collection::vec(mutation(), 1..6),
        proptest::collection::vec(mutation(), 0..2),
    );
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 64,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    runner
        .run(&strategy, |(on_pack, on_idx)| {
            let (mut p, mut i) = (pack0.clone(), idx0.clone());
            for m in &on_pack {
                mutate(&mut p, m);
            }
            for m in &on_idx {
                mutate(&mut i, m);
            }
            std::fs::write(&pack, &p).unwrap();
            std::fs::write(&idx, &i).unwrap();
            let start = std::time::Instant::now();
            let packs = Packs::open(&d.join(".git/objects"), 1 << 20);
            let mut z = Inflater::default();
            for id in &ids {
                let _ = packs.read(id.as_bytes(), &mut z);
            }
            prop_assert!(
                start.elapsed().as_secs() < 10,
                "reads took {:?}",
                start.elapsed()
            );
            let (run, secs) = keyledger_bounded(
                &[
                    "check",
                    ".",
                    "--history",
                    "--no-inventory",
                    "--no-cache",
                    "--format",
                    "json",
                ],
                d,
                1 << 20,
                60,
            );
            prop_assert!(
                [0, 1, 2].contains(&run.code),
                "exit {}: {}",
                run.code,
                run.transcript()
            );
            prop_assert!(secs < 30.0, "{secs} s");
            prop_assert!(
                !run.stdout.contains(secret_tail) && !run.stderr.contains(secret_tail),
                "the planted secret is in the output"
            );
            Ok(())
        })
        .unwrap();
}
