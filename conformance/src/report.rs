//! Verdicts, per-file reports and their textual rendering.

use core::fmt;
use std::collections::BTreeMap;

/// The outcome of one directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The directive did what the script asserts.
    Passed,
    /// It did not; the message says what was expected and what happened.
    Failed(String),
    /// It was not checked; the message says why.
    Skipped(String),
}

/// A failed or skipped directive, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// 1-based line of the directive.
    pub line: usize,
    /// 1-based column of the directive.
    pub column: usize,
    /// The directive's keyword, e.g. `assert_return`.
    pub command: &'static str,
    /// What went wrong, or why it was skipped.
    pub message: String,
}

/// The results of running one `.wast` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileReport {
    /// The file's name, e.g. `i32.wast`.
    pub file: String,
    /// How many directives passed.
    pub passed: usize,
    /// Every failed directive, in file order.
    pub failures: Vec<Note>,
    /// Every skipped directive, in file order.
    pub skips: Vec<Note>,
}

impl FileReport {
    /// An empty report for `file`.
    pub fn new(file: impl Into<String>) -> Self {
        Self { file: file.into(), ..Self::default() }
    }

    /// Counts one directive's verdict.
    pub fn record(&mut self, line: usize, column: usize, command: &'static str, verdict: Verdict) {
        match verdict {
            Verdict::Passed => self.passed += 1,
            Verdict::Failed(message) => self.failures.push(Note { line, column, command, message }),
            Verdict::Skipped(message) => self.skips.push(Note { line, column, command, message }),
        }
    }

    /// How many directives failed.
    pub fn failed(&self) -> usize {
        self.failures.len()
    }

    /// How many directives were skipped.
    pub fn skipped(&self) -> usize {
        self.skips.len()
    }

    /// Displays `note` prefixed with this file's name and the note's position.
    pub fn locate<'a>(&'a self, note: &'a Note) -> Located<'a> {
        Located { file: &self.file, note }
    }
}

/// A [`Note`] shown as `file:line:col: command: message`.
#[derive(Debug, Clone, Copy)]
pub struct Located<'a> {
    file: &'a str,
    note: &'a Note,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Note { line, column, command, message } = self.note;
        write!(f, "{}:{line}:{column}: {command}: {message}", self.file)
    }
}

/// Totals over any number of files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Directives that passed.
    pub passed: usize,
    /// Directives that failed.
    pub failed: usize,
    /// Directives that were skipped.
    pub skipped: usize,
}

impl Summary {
    /// Adds up `reports`.
    pub fn of(reports: &[FileReport]) -> Self {
        reports.iter().fold(Self::default(), |acc, r| Self {
            passed: acc.passed + r.passed,
            failed: acc.failed + r.failed(),
            skipped: acc.skipped + r.skipped(),
        })
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conformance: {} passed, {} failed, {} skipped", self.passed, self.failed, self.skipped)
    }
}

/// A table with one row per file: passed, failed and skipped counts, and a total row.
pub fn render_table(reports: &[FileReport]) -> String {
    let width = reports.iter().map(|r| r.file.len()).max().unwrap_or(0).max("file".len()).max("total".len());
    let mut out = format!("{:<width$}  {:>7}  {:>7}  {:>7}\n", "file", "passed", "failed", "skipped");
    for r in reports {
        out += &format!("{:<width$}  {:>7}  {:>7}  {:>7}\n", r.file, r.passed, r.failed(), r.skipped());
    }
    let total = Summary::of(reports);
    out += &format!("{:<width$}  {:>7}  {:>7}  {:>7}\n", "total", total.passed, total.failed, total.skipped);
    out
}

/// Every failure, grouped by file; at most `limit` per file when a limit is given.
pub fn render_failures(reports: &[FileReport], limit: Option<usize>) -> String {
    let mut out = String::new();
    for r in reports.iter().filter(|r| r.failed() > 0) {
        let shown = limit.unwrap_or(usize::MAX).min(r.failed());
        for note in &r.failures[..shown] {
            out += &format!("FAIL {}\n", r.locate(note));
        }
        if shown < r.failed() {
            out += &format!("     ... and {} more in {} (use --verbose to show all)\n", r.failed() - shown, r.file);
        }
    }
    out
}

/// Skip reasons with how often each occurred, most frequent first.
pub fn render_skip_reasons(reports: &[FileReport]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for note in reports.iter().flat_map(|r| &r.skips) {
        *counts.entry(&note.message).or_default() += 1;
    }
    let mut rows: Vec<(&str, usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    rows.into_iter().map(|(reason, n)| format!("SKIP {n:>6} x {reason}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_has_the_contract_format() {
        let mut a = FileReport::new("a.wast");
        a.record(1, 1, "module", Verdict::Passed);
        a.record(2, 1, "assert_return", Verdict::Failed("boom".into()));
        a.record(3, 1, "assert_return", Verdict::Skipped("why".into()));
        let mut b = FileReport::new("b.wast");
        b.record(1, 1, "module", Verdict::Passed);
        let reports = [a, b];
        assert_eq!(Summary::of(&reports).to_string(), "conformance: 2 passed, 1 failed, 1 skipped");
        assert_eq!(render_failures(&reports, None), "FAIL a.wast:2:1: assert_return: boom\n");
        let table = render_table(&reports);
        let last: Vec<&str> = table.lines().last().unwrap_or_default().split_whitespace().collect();
        assert_eq!(last, ["total", "2", "1", "1"]);
    }

    #[test]
    fn failure_listing_respects_the_limit() {
        let mut a = FileReport::new("a.wast");
        for line in 1..=3 {
            a.record(line, 1, "assert_trap", Verdict::Failed("x".into()));
        }
        let text = render_failures(&[a], Some(1));
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains("and 2 more"));
    }
}
