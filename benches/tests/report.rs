//! `bench-report` reads criterion's JSON layout and renders ratio tables.

use std::fs;
use std::path::Path;

use tally_benches::report::{collect, geomean, render_markdown, Measurement};

fn write_bench(root: &Path, dir: &str, group: &str, function: &str, median: f64, bytes: Option<u64>) {
    let new = root.join(dir).join(function).join("new");
    fs::create_dir_all(&new).unwrap();
    let throughput = match bytes {
        Some(b) => format!("{{\"Bytes\":{b}}}"),
        None => "null".to_string(),
    };
    fs::write(
        new.join("benchmark.json"),
        format!(
            "{{\"group_id\":\"{group}\",\"function_id\":\"{function}\",\"value_str\":null,\
             \"throughput\":{throughput},\"full_id\":\"{group}/{function}\",\
             \"directory_name\":\"{dir}/{function}\",\"title\":\"{group}/{function}\"}}"
        ),
    )
    .unwrap();
    let estimate = |v: f64| {
        format!(
            "{{\"confidence_interval\":{{\"confidence_level\":0.95,\"lower_bound\":{v},\
             \"upper_bound\":{v}}},\"point_estimate\":{v},\"standard_error\":0.0}}"
        )
    };
    fs::write(
        new.join("estimates.json"),
        format!(
            "{{\"mean\":{m},\"median\":{m},\"median_abs_dev\":{z},\"slope\":null,\"std_dev\":{z}}}",
            m = estimate(median),
            z = estimate(0.0)
        ),
    )
    .unwrap();
    // A `base/` copy must be ignored.
    let base = root.join(dir).join(function).join("base");
    fs::create_dir_all(&base).unwrap();
    fs::copy(new.join("benchmark.json"), base.join("benchmark.json")).unwrap();
}

#[test]
fn collects_new_estimates_and_renders_ratios() {
    let root = std::env::temp_dir().join(format!("tally-bench-report-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    write_bench(&root, "execute_fib", "execute/fib", "tally", 2e6, None);
    write_bench(&root, "execute_fib", "execute/fib", "wasmi", 1e6, None);
    write_bench(&root, "execute_fib", "execute/fib", "wasmi-fuel", 4e6, None);
    write_bench(&root, "execute_sieve", "execute/sieve", "tally", 8e6, None);
    write_bench(&root, "execute_sieve", "execute/sieve", "wasmi", 1e6, None);
    write_bench(&root, "execute_sieve", "execute/sieve", "wasmi-fuel", 2e6, None);
    write_bench(&root, "execute_sieve", "execute/sieve", "native", 1e5, None);
    write_bench(&root, "translate_big", "translate/big", "tally", 5e7, Some(4_000_000));
    write_bench(&root, "translate_big", "translate/big", "wasmi-eager", 1e8, Some(4_000_000));

    write_bench(&root, "translate_big", "translate/big", "wasmi-lazy", 2e7, Some(4_000_000));
    write_bench(&root, "translate_small", "translate/small", "tally", 1e5, Some(8_150));
    let measurements = collect(&root).unwrap();
    assert_eq!(measurements.len(), 11);
    let md = render_markdown(&measurements);
    fs::remove_dir_all(&root).unwrap();

    assert!(md.contains("### execute"), "{md}");
    assert!(
        md.contains("| benchmark | tally | wasmi | wasmi-fuel | native | tally / wasmi | tally / wasmi-fuel |"),
        "{md}"
    );
    assert!(md.contains("| fib | 2.00 ms | 1.00 ms | 4.00 ms | – | 2.00 | 0.50 |"), "{md}");
    assert!(md.contains("| sieve | 8.00 ms | 1.00 ms | 2.00 ms | 100.00 µs | 8.00 | 4.00 |"), "{md}");
    // geomean(2, 8) = 4; geomean(0.5, 4) = sqrt(2)
    assert!(md.contains("| **geomean** | | | | | **4.00** | **1.41** |"), "{md}");
    assert!(md.contains("### translate"), "{md}");
    // wasmi-lazy (validation only) is a reference column without a ratio.
    assert!(md.contains("| benchmark | size | tally | wasmi-eager | wasmi-lazy | tally / wasmi-eager |\n"), "{md}");
    assert!(
        md.contains("| big | 4.00 MB | 50.00 ms (80.0 MB/s) | 100.00 ms (40.0 MB/s) | 20.00 ms (200.0 MB/s) | 0.50 |"),
        "{md}"
    );
    assert!(md.contains("| small | 8.2 kB | 100.00 µs (81.5 MB/s) | – | – | – |"), "{md}");
}

#[test]
fn geomean_ignores_non_positive_values() {
    assert_eq!(geomean(&[]), None);
    assert!((geomean(&[1.0, 4.0, 0.0]).unwrap() - 2.0).abs() < 1e-12);
}

#[test]
fn rows_without_subject_have_no_ratio_columns() {
    let m = Measurement {
        group: "execute/fib".into(),
        function: "wasmi".into(),
        value: None,
        median_ns: 10.0,
        bytes: None,
    };
    let md = render_markdown(&[m]);
    assert!(md.contains("| benchmark | wasmi |"), "{md}");
    assert!(!md.contains("geomean"), "{md}");
}

fn measurement(group: &str, function: &str, median_ns: f64, bytes: Option<u64>) -> Measurement {
    Measurement { group: group.into(), function: function.into(), value: None, median_ns, bytes }
}

#[test]
fn metering_sections_have_ratios_geomeans_and_targets() {
    let ms = [
        measurement("inject/big", "tally", 1e7, Some(1_000_000)),
        measurement("inject/big", "wasm-instrument", 5e7, Some(1_000_000)),
        measurement("metered/fib", "tally", 1.02e6, None),
        measurement("metered/fib", "tally-unmetered", 1e6, None),
        measurement("metered/fib", "wasmi-fuel", 2e6, None),
        measurement("metered/sieve", "tally", 2.2e6, None),
        measurement("metered/sieve", "tally-unmetered", 2e6, None),
        measurement("metered/sieve", "wasmi-fuel", 1e6, None),
    ];
    let md = render_markdown(&ms);

    assert!(md.contains("### inject"), "{md}");
    assert!(md.contains("| benchmark | size | tally | wasm-instrument | tally / wasm-instrument |\n"), "{md}");
    assert!(md.contains("| big | 1.00 MB | 10.00 ms (100.0 MB/s) | 50.00 ms (20.0 MB/s) | 0.20 |"), "{md}");
    assert!(md.contains("| **geomean** | | | | **0.20** |"), "{md}");
    assert!(
        md.contains("- Target injection ≥ 4× faster than wasm-instrument 0.4: `tally / wasm-instrument` geomean ≤ 0.25; measured 0.20 (5.00× faster): met."),
        "{md}"
    );

    assert!(md.contains("### metered"), "{md}");
    assert!(
        md.contains(
            "| benchmark | tally | tally-unmetered | wasmi-fuel | tally / tally-unmetered | tally / wasmi-fuel |"
        ),
        "{md}"
    );
    assert!(md.contains("| fib | 1.02 ms | 1.00 ms | 2.00 ms | 1.02 | 0.51 |"), "{md}");
    assert!(md.contains("| sieve | 2.20 ms | 2.00 ms | 1.00 ms | 1.10 | 2.20 |"), "{md}");
    // geomean(1.02, 1.10) ≈ 1.059; geomean(0.51, 2.2) ≈ 1.059
    assert!(md.contains("| **geomean** | | | | **1.06** | **1.06** |"), "{md}");
    assert!(
        md.contains("`tally / tally-unmetered` geomean ≤ 1.05; measured 1.06 (1.06× the time): **missed**."),
        "{md}"
    );
    assert!(md.contains("`tally / wasmi-fuel` geomean ≤ 1.00; measured 1.06 (1.06× the time): **missed**."), "{md}");
}

#[test]
fn sections_without_targets_print_no_target_lines() {
    let ms = [measurement("execute/fib", "tally", 1e6, None), measurement("execute/fib", "wasmi", 1e6, None)];
    let md = render_markdown(&ms);
    assert!(md.contains("| fib |"), "the rows are rendered: {md}");
    assert!(!md.contains("Target"), "{md}");
}

#[test]
fn paired_runs_round_trip_and_render_with_their_targets() {
    use tally_benches::report::{load_paired, render_paired, save_paired, PairedRun};
    let dir = std::env::temp_dir().join(format!("tally-paired-report-{}", std::process::id()));
    assert_eq!(load_paired(&dir).unwrap(), Vec::new(), "no directory: no runs");
    let run = |section: &str, row: &str, baseline: &str, ratio: f64| PairedRun {
        section: section.into(),
        row: row.into(),
        baseline: baseline.into(),
        rounds: 31,
        median_ratio: ratio,
        subject_ns: 2_000_000.0 * ratio,
        baseline_ns: 2_000_000.0,
    };
    let metered =
        vec![run("metered", "fib", "tally-unmetered", 1.08), run("metered", "sieve", "tally-unmetered", 1.02)];
    let inject = vec![run("inject", "big", "wasm-instrument", 0.3)];
    save_paired(&dir, "metered", &metered).unwrap();
    save_paired(&dir, "inject", &inject).unwrap();
    let loaded = load_paired(&dir).unwrap();
    assert_eq!(loaded, [inject.clone(), metered.clone()].concat(), "sorted by file name");
    let md = render_paired(&loaded);
    assert!(md.contains("| fib | 31 | 2.16 ms | 2.00 ms | 1.080 |"), "{md}");
    // sqrt(1.08 × 1.02) = 1.0496
    assert!(md.contains("`tally / tally-unmetered` geomean ≤ 1.05; measured 1.050: met."), "{md}");
    assert!(md.contains("`tally / wasm-instrument` geomean ≤ 0.25; measured 0.300: **missed**."), "{md}");
    std::fs::write(dir.join("paired-metered.json"), "[{\"row\": 3}]").unwrap();
    assert!(load_paired(&dir).unwrap_err().contains("malformed"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn paired_measurement_times_both_sides() {
    use tally_benches::report::PairedRun;
    let spin = |n: u64| {
        move || {
            let mut x = 0u64;
            for i in 0..n {
                x = std::hint::black_box(x.wrapping_add(i));
            }
        }
    };
    let (mut s_calls, mut b_calls) = (0, 0);
    let run = PairedRun::measure(
        "metered",
        "spin",
        "tally-unmetered",
        5,
        || {
            s_calls += 1;
            spin(20_000)();
        },
        || {
            b_calls += 1;
            spin(10_000)();
        },
    );
    // One warm-up run each, then one per round.
    assert_eq!((s_calls, b_calls), (6, 6));
    assert_eq!((run.rounds, run.row.as_str()), (5, "spin"));
    assert!(run.subject_ns > 0.0 && run.baseline_ns > 0.0 && run.median_ratio > 0.0);
}
