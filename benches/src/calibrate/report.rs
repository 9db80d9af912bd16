//! The calibration report (markdown): the unit and the machine, what the proposal does to
//! ordinary code, every term against its current default, the operator classes, and every
//! probe's fit with its points and residuals.

use std::fmt::Write as _;

use super::feasible::{BOUND, ISSUE_BOUND};
use super::file::UNIT;
use super::minimax;
use super::pipeline::{per_kgas, Calibration, ProbeResult, TermResult, PREPARED_CODE_TERMS};
use super::terms::{members, DynTerm, OpClass, Term};
use crate::tpg::{format_gas, format_time};

/// A number with three significant digits, or in scientific notation when tiny or huge.
fn num(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if !(1e-2..1e7).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn percent(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

fn current(t: &TermResult) -> String {
    if t.current.0 == t.current.1 {
        format_gas(t.current.0)
    } else {
        format!("{}–{}", format_gas(t.current.0), format_gas(t.current.1))
    }
}

/// The report's text. `machine` describes the machine; `command` is how the run was started.
pub fn render(c: &Calibration, machine: &str, command: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Tally cost calibration\n");
    let _ = writeln!(out, "- **Unit:** {UNIT}.");
    let _ = writeln!(out, "- **Machine:** {machine}.");
    let _ = writeln!(out, "- **Command:** `{command}` ({:?} scale, {:.0} s).", c.scale, c.seconds);
    let _ = writeln!(
        out,
        "- **Executions:** {}.",
        if c.recorded { "recorded (`Runtime::call_recorded`)" } else { "not recorded (`Runtime::call`)" }
    );
    let (anchor, gas, lo, hi) = c.reference;
    let _ = writeln!(
        out,
        "- **Reference workload** (arith-loop, every round): {} per run ({} ns per 1000 gas at the \
         defaults); its runs ranged {} to {} (the machine's drift, divided out of every time).\n",
        format_time(anchor),
        num(per_kgas(anchor, gas)),
        format_time(lo),
        format_time(hi)
    );
    if !c.failures.is_empty() {
        let _ = writeln!(out, "**{} probes failed** (their terms keep the defaults):\n", c.failures.len());
        for (name, e) in &c.failures {
            let _ = writeln!(out, "- `{name}`: {e}");
        }
        out.push('\n');
    }
    let pending: Vec<&ProbeResult> = c.probes.iter().filter(|p| p.pending_varies.is_some()).collect();
    if !pending.is_empty() {
        let _ = writeln!(out, "**Probes that depend on terms priced after them** (a bug in the probe order):\n");
        for p in pending {
            let _ = writeln!(out, "- `{}`: {}", p.name, p.pending_varies.as_deref().unwrap_or(""));
        }
        out.push('\n');
    }
    ordinary(&mut out, c);
    rule(&mut out, c);
    feasibility(&mut out, c);
    comparison(&mut out, c);
    checks(&mut out, c);
    classes(&mut out);
    if let Some(s) = &c.series {
        let _ = writeln!(out, "## Memory-access series\n");
        let _ = writeln!(out, "A dependent load's price (gas per load, at 1 ns per 1000 gas) by memory size:\n");
        let _ = writeln!(
            out,
            "| pages | gas per load | fitted | residual | ns / 1000 gas under the proposal |\n|---:|---:|---:|---:|---:|"
        );
        let load = Term::Op(OpClass::MemoryAccess).get(&c.proposal) as f64;
        let per_page = Term::Dyn(DynTerm::MemoryAccessPerPage).get(&c.proposal) as f64;
        for (k, (pages, g)) in s.points.iter().enumerate() {
            let (fitted, residual) = match &s.fit {
                Ok(f) => (num(f.at(f64::from(*pages))), num(f.residuals[k])),
                Err(_) => ("—".into(), "—".into()),
            };
            let proposed = num(g / (load + per_page * f64::from(*pages)));
            let _ = writeln!(out, "| {pages} | {} | {fitted} | {residual} | {proposed} |", num(*g));
        }
        match &s.fit {
            Ok(f) => {
                let _ = writeln!(
                    out,
                    "\nFit: {} + {} · pages (R² {:.4}, largest relative residual {}).\n",
                    num(f.intercept),
                    num(f.slope),
                    f.r2,
                    percent(f.max_rel_residual)
                );
            }
            Err(e) => {
                let _ = writeln!(out, "\nNo fit: {e}\n");
            }
        }
    }
    let _ = writeln!(out, "## Fits\n");
    let _ = writeln!(
        out,
        "Each probe's response is `1000 · ns − the gas of every other term` (at the prices fitted \
         before it), fitted by least squares against the count of its term (`x` of the fit, counted \
         from the metering itself). The slope is the term's price; for a probe with a fixed term, \
         that term's price is the intercept corrected by the smallest point's residual. Times are medians over rounds of thread CPU time, \
         corrected for drift.\n"
    );
    for p in &c.probes {
        probe(&mut out, p);
    }
    out
}

fn ordinary(out: &mut String, c: &Calibration) {
    if c.ordinary.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Ordinary code under the proposal\n");
    let _ = writeln!(
        out,
        "| workload | time | gas (defaults) | ns / 1000 gas (defaults) | gas (proposal) | ns / 1000 gas (proposal) |\n\
         |---|---:|---:|---:|---:|---:|"
    );
    for r in &c.ordinary {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            r.name,
            format_time(r.ns),
            format_gas(r.gas_default),
            num(per_kgas(r.ns, r.gas_default)),
            format_gas(r.gas_proposed),
            num(per_kgas(r.ns, r.gas_proposed))
        );
    }
    let mut now: Vec<f64> = c.ordinary.iter().map(|r| per_kgas(r.ns, r.gas_default)).collect();
    let mut then: Vec<f64> = c.ordinary.iter().map(|r| per_kgas(r.ns, r.gas_proposed)).collect();
    let _ = writeln!(
        out,
        "\nMedian: {} ns per 1000 gas at the defaults, {} under the proposal.\n",
        num(crate::tpg::median(&mut now)),
        num(crate::tpg::median(&mut then))
    );
}

fn comparison(out: &mut String, c: &Calibration) {
    let _ = writeln!(out, "## Terms: current default and proposal\n");
    let _ = writeln!(
        out,
        "`fitted` is the largest price its probes gave (gas per unit at 1 ns per 1000 gas, unrounded); \
         `set by` is that probe; `worst / median` is the term's worst case (`fitted / price` ns per 1000 \
         gas) over ordinary code's median time per gas, at the defaults and under the proposal, in bold \
         above {BOUND}×; the worst point's ns / 1000 gas is the probe's largest size, all its terms \
         included, at the defaults and under the proposal.\n"
    );
    let _ = writeln!(
        out,
        "| term | current | fitted | proposed | proposed / current | set by | worst / median: defaults → proposal | worst point, ns / 1000 gas: defaults → proposal |\n\
         |---|---:|---:|---:|---:|---|---|---|"
    );
    for t in &c.terms {
        let binding = t
            .candidates
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| "not calibrated: the default".into());
        let worst = t
            .candidates
            .iter()
            .filter_map(|(name, _)| c.probes.iter().find(|p| p.name == name.trim_end_matches(" (intercept)")))
            .filter_map(|p| p.per_kgas)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or("—".to_string(), |(now, then)| format!("{} → {}", num(now), num(then)));
        let ratio = t.proposed as f64 / t.current.1.max(1) as f64;
        let bound = |r: Option<f64>| match r {
            Some(r) if r > BOUND => format!("**{}×**", num(r)),
            Some(r) => format!("{}×", num(r)),
            None => "—".into(),
        };
        let ratios = format!("{} → {}", bound(t.ratios.0), bound(t.ratios.1));
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {}{} | {}× | {} | {} | {} |",
            t.term.name(),
            current(t),
            t.fitted.map_or("—".into(), num),
            format_gas(t.proposed),
            if t.floored { " (floor)" } else { "" },
            num(ratio),
            binding,
            ratios,
            worst
        );
    }
    out.push('\n');
}

/// The pricing rule (rule v6): its answer, the programs it released, and every program's ratio.
fn rule(out: &mut String, c: &Calibration) {
    let _ = writeln!(out, "## The pricing rule: complete programs within 3×\n");
    let _ = writeln!(
        out,
        "The rule (v6, `calibrate::minimax`; BENCHMARKS.md, \"Calibration\"): stage 1 finds the least bound \
         on the ratio, over the time-per-gas suite's scenarios and baselines run whole, of the program's \
         time per gas to the reference baselines' true median time per gas (whichever references form \
         it), the median held where the defaults have it (the unit: ns per 1000 gas of the reference \
         machine), no reference below {}× the median (ordinary code overcharged by at most {:.1}×), every \
         fitted term within a band of {} (its price between `s·f / {}` and `s·f`, `f` its fitted \
         worst case, `s` one scale for all terms); one linear program per structure of the median (its \
         members, and which references lie below and above it). While that least bound is above the \
         cap, the program whose release lowers it most on the others is released (held within the \
         optimum × {}) and the others bounded again. Stage 2 holds the others at their least bound × \
         {} (never above {}× unless that bound is), the released ones each at its own least bound × the \
         same (the one that binds the released set held there, the rest bounded again without it), and takes the prices nearest each term's own \
         worst-case cost at that bound (`p / r − 1` above it, `−ln(p / r)` below), each program's \
         relative shortfall of gas below what the aim ({}) needs weighted {} against those deviations (rule v6's \
         aim: a margin for the reference machine's two speeds, at which latency-bound programs read \
         20–40 % apart). Then every price is rounded up to two significant digits. The probes fit the terms and are {}; their ratios are \
         listed below. The issue's bound is {}×. The code-loading and deploy terms (`{}`) are fixed \
         inputs: priced by the prepared-code measurement, not by this fit.\n",
        minimax::SETTINGS.floor,
        1.0 / minimax::SETTINGS.floor,
        minimax::SETTINGS.band.unwrap_or(f64::INFINITY),
        minimax::SETTINGS.band.unwrap_or(f64::INFINITY),
        minimax::SETTINGS.release.unwrap_or(f64::INFINITY),
        minimax::SETTINGS.slack,
        minimax::SETTINGS.cap,
        minimax::SETTINGS.aim.map_or("no aim".to_string(), |a| format!("{a}×")),
        minimax::AIM_WEIGHT,
        if minimax::SETTINGS.bound_probes { "bounded too" } else { "not bounded (the issue's bound is the suite's)" },
        ISSUE_BOUND,
        PREPARED_CODE_TERMS.iter().map(|t| t.name()).collect::<Vec<_>>().join("`, `")
    );
    let r = match &c.rule {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(out, "**The rule could not run:** {e}. The proposal is rule v1's first step.\n");
            return;
        }
    };
    let a = &r.answer;
    if !r.with_suite {
        let _ = writeln!(
            out,
            "**Without a suite run** (`--suite`): the programs are the probes alone, against ordinary code \
             as timed here. Not a calibration of the defaults.\n"
        );
    }
    let bounded = r.programs.iter().filter(|p| p.bounded(&a.settings)).count();
    let _ = writeln!(
        out,
        "**Result:** over {bounded} bounded programs, the optimum is **{:.2}×**; stage 2 held {:.2}× \
         ({}); after rounding, the largest ratio is **{:.2}×**, and the reference median's time per gas \
         is {:.3} of the defaults' (the unit). {}\n",
        a.bound,
        a.held_bound,
        a.pivot,
        a.max,
        a.median,
        if a.max <= ISSUE_BOUND { "Within the issue's bound." } else { "**Over the issue's bound.**" }
    );
    if let Some(released) = &a.released {
        for (k, rest) in &released.steps {
            let _ = writeln!(out, "- released: `{}` (the others' least bound then {rest:.3}×)", r.programs[*k].name);
        }
        let _ = writeln!(
            out,
            "- the released programs' least bound, the others within {:.3}×: {:.3}×; each held within \
             its own: {}\n",
            a.held_bound,
            released.bound,
            released
                .own
                .iter()
                .map(|(k, b)| format!("`{}` {b:.3}×", r.programs[*k].name))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let (_, at_defaults) = super::minimax::ratios_at_defaults(&r.programs);
    let mut order: Vec<usize> = (0..r.programs.len()).collect();
    order.sort_by(|x, y| a.ratios[*y].total_cmp(&a.ratios[*x]));
    let _ = writeln!(
        out,
        "Every program, largest ratio under the proposal first (the reference baselines, whose median is \
         the reference, marked *ref*; the scenarios and baselines are bounded, the probes listed for their fit):\n"
    );
    let _ = writeln!(
        out,
        "| program | kind | gas (defaults) | ratio (defaults) | gas (proposal) | ratio (proposal) | largest terms under the proposal |\n\
         |---|---|---:|---:|---:|---:|---|"
    );
    for i in order {
        let p = &r.programs[i];
        let kind = match p.kind {
            super::minimax::Kind::Reference => "ref",
            super::minimax::Kind::Baseline => "baseline",
            super::minimax::Kind::Scenario => "scenario",
            super::minimax::Kind::Probe => "probe",
        };
        let gas = p.gas(&c.proposal).max(1.0);
        let mut top: Vec<(Term, f64)> =
            p.counts.iter().map(|(t, n)| (*t, n * t.get(&c.proposal) as f64 / gas)).collect();
        top.sort_by(|x, y| y.1.total_cmp(&x.1));
        let top: Vec<String> = top.iter().take(3).map(|(t, f)| format!("`{}` {}", t.name(), percent(*f))).collect();
        let _ = writeln!(
            out,
            "| `{}` | {kind} | {} | {:.2}× | {} | {:.2}× | {} |",
            p.name,
            num(p.gas_default),
            at_defaults[i],
            num(gas),
            a.ratios[i],
            top.join(", ")
        );
    }
    if !r.left_out.is_empty() {
        let _ = writeln!(out, "\nLeft out of the rule ({}):\n", r.left_out.len());
        for l in &r.left_out {
            let _ = writeln!(out, "- `{}`: {}", l.name, l.why);
        }
    }
    let _ = writeln!(out, "\nThe best structures of the median (stage 1's optimum for each):\n");
    for (name, v) in &a.pivots {
        match v {
            Some((bound, _)) => {
                let _ = writeln!(out, "- {name}: {bound:.3}×");
            }
            None => {
                let _ = writeln!(out, "- {name}: no solution");
            }
        }
    }
    out.push('\n');
}

fn feasibility(out: &mut String, c: &Calibration) {
    let s = &c.solution;
    let _ = writeln!(out, "## Feasibility and the proposal rule\n");
    let _ = writeln!(
        out,
        "Every term is proposed at the lowest price that keeps its worst case within {BOUND}× ordinary \
         code's median time per gas under the proposal itself, the unit anchored at the defaults' median \
         ({} ns per 1000 gas), solved by fixed-point iteration over the ordinary workloads' gas \
         (counted from the metering). With every term priced at its worst case (1 ns per 1000 gas), \
         ordinary code runs at **F = {} ns per 1000 gas**: a worst case is then {}× the median, and \
         prices that keep every worst case within {BOUND}× exist only when F ≥ {} ({ISSUE_BOUND}×: F ≥ \
         {}); no common scaling of the prices changes F.\n",
        num(s.anchor),
        num(s.feasibility),
        num(1.0 / s.feasibility.max(1e-12)),
        num(1.0 / BOUND),
        num(1.0 / ISSUE_BOUND)
    );
    let _ = writeln!(out, "| step | target median | median the prices give | ratio |\n|---:|---:|---:|---:|");
    for (k, (target, m)) in s.steps.iter().enumerate() {
        let _ = writeln!(out, "| {} | {} | {} | {} |", k + 1, num(*target), num(*m), num(m / target));
    }
    if s.converged {
        let _ =
            writeln!(out, "\nConverged: the proposal keeps every worst case within {BOUND}× the median it gives.\n");
    } else {
        let _ = writeln!(
            out,
            "\n**Does not converge**: every step lowers ordinary code's median by about {BOUND} · F = {} and \
             raises every price by its inverse. The file holds the first step's prices (each worst case at \
             {BOUND}× the defaults' median); under them ordinary code's median falls, and the worst cases \
             stand at {}× it.\n",
            num(BOUND * s.feasibility),
            num(1.0 / s.feasibility.max(1e-12))
        );
    }
    let _ = writeln!(
        out,
        "What ordinary code pays, with every term at its worst case: each term's share of the workloads' \
         gas, the spread of its probes (worst over the median probe, for a class measured by several), \
         and F if it cost its typical (median) probe instead of its worst. The terms whose typical price \
         would lift F most are what makes the set infeasible.\n"
    );
    let _ = writeln!(
        out,
        "| term | share of ordinary gas | worst / typical | F at its typical price |\n|---|---:|---:|---:|"
    );
    for sh in &s.shares {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            sh.term.name(),
            percent(sh.share),
            sh.spread.map_or("—".into(), |v| format!("{}×", num(v))),
            sh.feasibility_if_typical.map_or("—".into(), |v| if v >= 1.0 / BOUND {
                format!("**{}**", num(v))
            } else {
                num(v)
            })
        );
    }
    let _ = writeln!(
        out,
        "\nWith every class at its typical probe at once (what splitting every class, or bringing every \
         member down to its typical one, could give at most), F = {}; the rule needs {}.\n",
        num(s.feasibility_all_typical),
        num(1.0 / BOUND)
    );
    let _ = writeln!(
        out,
        "Each ordinary workload with every term at its worst case (F is their median), and the terms \
         that make most of its gas:\n"
    );
    let _ = writeln!(out, "| workload | ns / 1000 gas | largest terms (share of its gas) |\n|---|---:|---|");
    for w in &s.workloads {
        let top: Vec<String> = w.top.iter().map(|(t, f)| format!("`{}` {}", t.name(), percent(*f))).collect();
        let _ = writeln!(out, "| {} | {} | {} |", w.name, num(w.per_kgas), top.join(", "));
    }
    out.push('\n');
}

fn checks(out: &mut String, c: &Calibration) {
    let checks: Vec<&ProbeResult> = c.probes.iter().filter(|p| p.check_only.is_some()).collect();
    if checks.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Checks: worst cases the formulas leave unpaid\n");
    for p in checks {
        let needed = p.slope_price.map_or("—".into(), num);
        let proposed = c.terms.iter().find(|t| t.term == p.slope).map_or(0, |t| t.proposed);
        let _ = writeln!(
            out,
            "- `{}` ({}): `{}` would need {needed} gas per unit; the proposal has {}. {}.",
            p.name,
            p.input,
            p.slope.name(),
            format_gas(proposed),
            p.check_only.unwrap_or("")
        );
    }
    out.push('\n');
}

fn classes(out: &mut String) {
    let _ = writeln!(out, "## Operator classes\n\n| class | what | operators |\n|---|---|---|");
    for class in OpClass::ALL {
        let ops: Vec<String> = members(*class).iter().map(|o| format!("`{}`", o.name())).collect();
        let _ = writeln!(out, "| `{}` | {} | {} |", class.name(), class.doc(), ops.join(" "));
    }
    out.push('\n');
}

fn probe(out: &mut String, p: &ProbeResult) {
    let term = match p.series {
        _ if p.check_only.is_some() => format!("`{}` (a check: prices nothing)", p.slope.name()),
        Some((_, pages)) => format!("memory-access series at {pages} pages"),
        None => match p.fixed {
            Some(f) => format!("`{}` (slope), `{}` (intercept)", p.slope.name(), f.name()),
            None => format!("`{}`", p.slope.name()),
        },
    };
    let _ = writeln!(out, "### {}\n", p.name);
    let _ = writeln!(out, "{term}. Input: {}; x = {}; {} rounds.\n", p.input, p.x_name, p.rounds);
    let _ = writeln!(
        out,
        "| x | count of {} | time (CPU) | time (wall) | other terms' gas | response (gas) | fitted | residual |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|",
        match p.slope {
            Term::Op(_) => "class operators".to_string(),
            t => format!("`{}`", t.name()),
        }
    );
    for (k, pt) in p.points.iter().enumerate() {
        let (fitted, residual) = match &p.fit {
            Ok(f) => {
                (num(f.at(pt.count)), format!("{} ({})", num(f.residuals[k]), percent(f.residuals[k] / pt.response)))
            }
            Err(_) => ("—".into(), "—".into()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {fitted} | {residual} |",
            pt.x,
            num(pt.count),
            format_time(pt.ns),
            format_time(pt.wall_ns),
            num(pt.other_gas),
            num(pt.response)
        );
    }
    match &p.fit {
        Ok(f) => {
            let _ = write!(
                out,
                "\nconst {} gas, per unit {} gas; R² {:.4}; largest relative residual {}",
                num(f.intercept),
                num(f.slope),
                f.r2,
                percent(f.max_rel_residual)
            );
            if let Some(price) = p.fixed_price {
                let _ = write!(out, "; fixed term {} gas (paying for the smallest size at this slope)", num(price));
            }
            if let Some((now, then)) = p.per_kgas {
                let _ = write!(
                    out,
                    "; largest point {} ns / 1000 gas at the defaults, {} under the proposal",
                    num(now),
                    num(then)
                );
            }
            out.push_str(".\n\n");
        }
        Err(e) => {
            let _ = writeln!(out, "\nNo fit: {e}.\n");
        }
    }
    if let Some(w) = &p.pending_varies {
        let _ = writeln!(out, "**Warning:** {w}.\n");
    }
}
