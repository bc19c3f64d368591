//! The name a check run records for its repository (`summary.repository`
//! in the JSON output), so that an organisation's report can merge many
//! runs: `--repository`, else the path of the `origin` remote of the git
//! repository at the root (`acme/payments` for
//! `https://github.com/acme/payments.git` or `git@github.com:acme/payments`),
//! else the root directory's name. Credentials in a remote URL are never
//! part of the name.

use std::path::Path;

/// The repository's name for reports.
pub fn name(root: &Path) -> String {
    origin_path(root)
        .or_else(|| {
            std::fs::canonicalize(root)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .map(|n| clean(&n))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ".".into())
}

/// The path part of the `origin` remote of the repository whose work tree
/// is exactly `root` (a sub-folder of a repository has its own name).
fn origin_path(root: &Path) -> Option<String> {
    let repo = git2::Repository::open(root).ok()?;
    let remote = repo.find_remote("origin").ok()?;
    let path = url_path(remote.url().ok()?)?;
    Some(path)
}

/// `https://user:pass@host:443/acme/payments.git` → `acme/payments`;
/// `git@host:acme/payments.git` → `acme/payments`; a local path → its last
/// component.
pub fn url_path(url: &str) -> Option<String> {
    let url = url.trim();
    let path = if let Some((_, rest)) = url.split_once("://") {
        // scheme://[userinfo@]host[:port]/path
        let after_host = rest.split_once('/').map_or("", |(_, p)| p);
        if url.starts_with("file://") {
            last_component(after_host)
        } else {
            after_host.to_string()
        }
    } else if let Some((host, path)) = url.split_once(':')
        && !host.contains('/')
        && host.len() > 1
    {
        // scp-like: [user@]host:path (a one-letter "host" is a Windows drive).
        path.to_string()
    } else {
        last_component(url)
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path).trim_matches('/');
    (!path.is_empty()).then(|| path.to_string())
}

fn last_component(path: &str) -> String {
    let p = path.trim_end_matches(['/', '\\']);
    let p = p.strip_suffix(".git").unwrap_or(p);
    p.rsplit(['/', '\\']).next().unwrap_or_default().to_string()
}

/// No control characters in a name that reaches terminals and reports.
fn clean(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_urls() {
        for (url, want) in [
            ("https://github.com/acme/payments.git", "acme/payments"),
            ("https://github.com/acme/payments", "acme/payments"),
            (
                "https://x-access-token:ghs_secret@github.com/acme/payments.git",
                "acme/payments",
            ),
            ("http://host:8080/group/sub/repo.git/", "group/sub/repo"),
            (
                "ssh://git@gitlab.com:2222/group/sub/repo.git",
                "group/sub/repo",
            ),
            ("git@github.com:acme/payments.git", "acme/payments"),
            ("github.com:acme/payments", "acme/payments"),
            ("/srv/git/payments.git", "payments"),
            ("file:///srv/git/payments.git", "payments"),
            ("../payments", "payments"),
            (r"C:\repos\payments", "payments"),
        ] {
            assert_eq!(url_path(url).as_deref(), Some(want), "{url}");
        }
        assert_eq!(url_path("https://github.com/"), None);
        // Credentials never leak into the name.
        let n = url_path("https://user:hunter2hunter2@example.com/a/b").unwrap();
        assert!(!n.contains("hunter2"));
    }
}
