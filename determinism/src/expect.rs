//! The committed expectation files: one line per case, `<name> <outcome>`, in corpus order.
//!
//! Lines starting with `#` are comments (the header says how the file was made). A name has no
//! spaces; the outcome is the rest of the line, a sequence of space-separated tokens. Comparing
//! a run with its file finds the first case that differs and, in it, the first differing token,
//! so a failure names one case and one value rather than dumping two files.

use std::fmt::Write as _;
use std::path::PathBuf;

/// The command that rewrites every expectation file from this build (see [`crate::regenerate`]).
pub const REGENERATE: &str = "cargo test -p tally-determinism --release -- --ignored regenerate";

/// One case's outcome, rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The case's unique name.
    pub name: String,
    /// Its outcome: space-separated tokens.
    pub outcome: String,
}

/// Where the corpus's expectation files live.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The file's text: a header naming the group and the regeneration command, then the entries.
pub fn render(title: &str, entries: &[Entry]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Tally determinism corpus: {title}.");
    let _ = writeln!(
        out,
        "# Expected outputs, byte for byte on every architecture. Do not edit; regenerate on x86-64 with"
    );
    let _ = writeln!(out, "#   {REGENERATE}");
    for e in entries {
        debug_assert!(!e.name.contains(char::is_whitespace), "case name {:?} has whitespace", e.name);
        let _ = writeln!(out, "{} {}", e.name, e.outcome);
    }
    out
}

/// Parses a file written by [`render`].
pub fn parse(text: &str) -> Vec<Entry> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| match l.split_once(' ') {
            Some((name, outcome)) => Entry { name: name.to_string(), outcome: outcome.to_string() },
            None => Entry { name: l.to_string(), outcome: String::new() },
        })
        .collect()
}

/// Reads the expectation file `file` of the corpus; a missing file is an error that says how
/// to create it.
pub fn load(file: &str) -> Result<Vec<Entry>, String> {
    let path = corpus_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}; create it with `{REGENERATE}`", path.display()))?;
    Ok(parse(&text))
}

/// Writes the expectation file `file` of the corpus.
pub fn store(file: &str, title: &str, entries: &[Entry]) -> std::io::Result<()> {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(file);
    std::fs::write(&path, render(title, entries))?;
    println!("wrote {} ({} cases)", path.display(), entries.len());
    Ok(())
}

/// The first difference between the expected and the actual entries.
#[derive(Debug)]
pub struct Mismatch {
    /// Position of the case in the corpus.
    pub position: usize,
    /// The case's name (the expected one when the names differ).
    pub name: String,
    /// Index of the first differing token of the outcome (`None`: the names differ, or a case
    /// is missing on one side).
    pub token: Option<usize>,
    /// What the file says.
    pub expected: String,
    /// What this build produced.
    pub actual: String,
}

/// Compares the runs in order; `None` when every case matches byte for byte.
pub fn first_mismatch(expected: &[Entry], actual: &[Entry]) -> Option<Mismatch> {
    for position in 0..expected.len().max(actual.len()) {
        match (expected.get(position), actual.get(position)) {
            (Some(e), Some(a)) if e == a => continue,
            (Some(e), Some(a)) if e.name == a.name => {
                let (et, at): (Vec<&str>, Vec<&str>) = (e.outcome.split(' ').collect(), a.outcome.split(' ').collect());
                let token = (0..et.len().max(at.len())).find(|&i| et.get(i) != at.get(i));
                return Some(Mismatch {
                    position,
                    name: e.name.clone(),
                    token,
                    expected: e.outcome.clone(),
                    actual: a.outcome.clone(),
                });
            }
            (e, a) => {
                let show =
                    |x: Option<&Entry>| x.map_or("<no case>".to_string(), |x| format!("{} {}", x.name, x.outcome));
                return Some(Mismatch {
                    position,
                    name: e.or(a).map(|x| x.name.clone()).unwrap_or_default(),
                    token: None,
                    expected: show(e),
                    actual: show(a),
                });
            }
        }
    }
    None
}

/// A window of at most `radius` tokens either side of token `index` of `outcome`, with the
/// token itself marked, e.g. `… 7fc00000 >>1<< 0 …`.
pub fn around(outcome: &str, index: usize, radius: usize) -> String {
    let tokens: Vec<&str> = outcome.split(' ').collect();
    let lo = index.saturating_sub(radius);
    let hi = (index + radius + 1).min(tokens.len());
    let mut out = String::new();
    if lo > 0 {
        out.push_str("… ");
    }
    for (i, t) in tokens.iter().enumerate().take(hi).skip(lo) {
        if i == index {
            let _ = write!(out, ">>{t}<< ");
        } else {
            let _ = write!(out, "{t} ");
        }
    }
    if index >= tokens.len() {
        out.push_str(">><end><<");
    } else if hi < tokens.len() {
        out.push('…');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, outcome: &str) -> Entry {
        Entry { name: name.into(), outcome: outcome.into() }
    }

    #[test]
    fn render_and_parse_round_trip() {
        let entries = vec![entry("a/b", "1 2 | gas 3"), entry("c", "")];
        assert_eq!(parse(&render("test", &entries)), entries);
    }

    #[test]
    fn the_first_differing_token_is_found() {
        let e = vec![entry("a", "1 2"), entry("b", "1 2 3 | gas 9")];
        let a = vec![entry("a", "1 2"), entry("b", "1 2 4 | gas 9")];
        let m = first_mismatch(&e, &a).expect("differs");
        assert_eq!((m.position, m.name.as_str(), m.token), (1, "b", Some(2)));
        assert_eq!(around(&m.expected, 2, 1), "… 2 >>3<< | …");
        assert!(first_mismatch(&e, &e).is_none());
        // A missing case and a renamed one are differences too.
        assert_eq!(first_mismatch(&e, &e[..1]).map(|m| m.position), Some(1));
        let renamed = vec![entry("a", "1 2"), entry("c", "1 2 3 | gas 9")];
        assert_eq!(first_mismatch(&e, &renamed).map(|m| m.token), Some(None));
    }
}
