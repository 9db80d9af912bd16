//! Gas statistics per (contract, method), and the reports built from them.

use std::fmt::Write;

/// Gas used by the successful executions of one method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct GasStats {
    /// How many executions.
    pub count: u64,
    /// The least gas one used.
    pub min: u64,
    /// The most gas one used.
    pub max: u64,
    /// The sum.
    pub total: u128,
}

impl GasStats {
    pub(crate) fn add(&mut self, gas: u64) {
        if self.count == 0 || gas < self.min {
            self.min = gas;
        }
        self.max = self.max.max(gas);
        self.count += 1;
        self.total += u128::from(gas);
    }

    /// The mean, rounded down (0 when empty).
    pub fn mean(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            u64::try_from(self.total / u128::from(self.count)).unwrap_or(u64::MAX)
        }
    }
}

/// One row of the gas report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GasRow {
    /// The contract's label (the metadata's contract name, e.g. `Token`).
    pub contract: String,
    /// The method (`(deploy)` for deployments; the export name for non-SDK calls).
    pub method: String,
    /// Its statistics.
    pub stats: GasStats,
}

const HEADERS: [&str; 6] = ["contract", "method", "calls", "min", "max", "mean"];

fn cells(rows: &[GasRow]) -> Vec<[String; 6]> {
    rows.iter()
        .map(|r| {
            [
                r.contract.clone(),
                r.method.clone(),
                r.stats.count.to_string(),
                r.stats.min.to_string(),
                r.stats.max.to_string(),
                r.stats.mean().to_string(),
            ]
        })
        .collect()
}

/// A plain-text table: contracts in label order, methods sorted by name, numbers right-aligned.
pub(crate) fn text(rows: &[GasRow]) -> String {
    let cells = cells(rows);
    let mut width = HEADERS.map(str::len);
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: [&str; 6]| {
        let mut s = String::new();
        for (i, (c, w)) in row.iter().zip(width).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            if i < 2 {
                let _ = write!(s, "{c:<w$}");
            } else {
                let _ = write!(s, "{c:>w$}");
            }
        }
        s.trim_end().to_string()
    };
    let mut out = String::new();
    out.push_str(&line(HEADERS));
    out.push('\n');
    out.push_str(&line(width.map(|w| "-".repeat(w)).each_ref().map(String::as_str)));
    out.push('\n');
    for row in &cells {
        out.push_str(&line(row.each_ref().map(String::as_str)));
        out.push('\n');
    }
    out
}

/// `rows` as a Markdown table (`contract | method | calls | min | max | mean`), in the order
/// given: what [`TestChain::gas_report_markdown`](crate::TestChain::gas_report_markdown) prints,
/// for rows gathered from several chains.
pub fn markdown(rows: &[GasRow]) -> String {
    let mut out = String::from("| contract | method | calls | min | max | mean |\n|---|---|---:|---:|---:|---:|\n");
    for [contract, method, count, min, max, mean] in cells(rows) {
        let _ = writeln!(out, "| {contract} | `{method}` | {count} | {min} | {max} | {mean} |");
    }
    out
}
