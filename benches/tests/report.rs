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
