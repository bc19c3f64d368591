//! Renderers: each turns the same list of findings into one format.

pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    /// A summary for CI job pages (GitHub job summaries, merge request notes).
    Markdown,
}

/// Renders an outcome in a format (`color` and `verbose` for `human`).
pub fn render(out: &crate::check::Outcome, format: Format, color: bool, verbose: bool) -> String {
    match format {
        Format::Human => human::render(out, color, verbose),
        Format::Json => json::render(out),
        Format::Sarif => sarif::render(out),
        Format::Github => github::render(out),
        Format::Markdown => markdown::render(out),
    }
}
