//! Fitting `const + per_unit · x` to measured points, and rounding prices.
//!
//! The fit is ordinary least squares. Robustness against the noise of a shared machine comes
//! before it: every point is the median over many rounds of alternating runs
//! ([`measure`](super::measure)), so an outlier run never reaches the fit, and the five or so
//! medians of a probe are fitted exactly as measured. A robust line estimator (Theil–Sen,
//! least absolute deviations) over so few points would mostly discard information; what it
//! would guard against, a point that does not lie on a line, is shown instead: every point's
//! residual, and the largest relative residual, are in the report.

/// A straight line fitted to points, with how well it fits.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// The value at `x = 0`.
    pub intercept: f64,
    /// The change per unit of `x`.
    pub slope: f64,
    /// The coefficient of determination (1 when every point is on the line; 1 also when all
    /// `y` are equal and the line goes through them).
    pub r2: f64,
    /// `y − fitted` per point, in the order given.
    pub residuals: Vec<f64>,
    /// The largest `|residual| / |y|` over the points whose `y` is not 0.
    pub max_rel_residual: f64,
}

impl Fit {
    /// The line's value at `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.intercept + self.slope * x
    }
}

/// Why points could not be fitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FitError {
    /// Fewer than two points.
    TooFewPoints(usize),
    /// Every point has the same `x`: no slope can be told.
    NoSpread,
    /// A coordinate is NaN or infinite (the index of the first such point).
    NotFinite(usize),
}

impl core::fmt::Display for FitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FitError::TooFewPoints(n) => write!(f, "{n} points; a line needs at least 2"),
            FitError::NoSpread => write!(f, "every point has the same x"),
            FitError::NotFinite(i) => write!(f, "point {i} is not finite"),
        }
    }
}

impl std::error::Error for FitError {}

/// Fits `y = intercept + slope · x` to `points` (`(x, y)`) by ordinary least squares.
pub fn fit_line(points: &[(f64, f64)]) -> Result<Fit, FitError> {
    if points.len() < 2 {
        return Err(FitError::TooFewPoints(points.len()));
    }
    if let Some(i) = points.iter().position(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return Err(FitError::NotFinite(i));
    }
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|(x, _)| (x - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|(x, y)| (x - mean_x) * (y - mean_y)).sum();
    if sxx <= f64::EPSILON * mean_x.abs().max(1.0) {
        return Err(FitError::NoSpread);
    }
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let residuals: Vec<f64> = points.iter().map(|(x, y)| y - (intercept + slope * x)).collect();
    let ss_res: f64 = residuals.iter().map(|r| r * r).sum();
    let ss_tot: f64 = points.iter().map(|(_, y)| (y - mean_y).powi(2)).sum();
    let r2 = if ss_tot > 0.0 { 1.0 - ss_res / ss_tot } else { 1.0 };
    let max_rel_residual = points
        .iter()
        .zip(&residuals)
        .filter(|((_, y), _)| *y != 0.0)
        .map(|((_, y), r)| (r / y).abs())
        .fold(0.0, f64::max);
    Ok(Fit { intercept, slope, r2, residuals, max_rel_residual })
}

/// `value` rounded to two significant digits, as a whole number of gas (at least 1; a value
/// below 1.5 or not finite gives 1).
pub fn round_price(value: f64) -> u64 {
    if !value.is_finite() || value < 1.5 {
        return 1;
    }
    if value < 100.0 {
        return value.round() as u64;
    }
    let digits = value.log10().floor() as i32;
    let scale = 10f64.powi(digits - 1);
    ((value / scale).round() * scale).round() as u64
}

/// `value` rounded up to two significant digits, as a whole number of gas (at least 1): a price
/// that must not fall below `value`.
pub fn round_price_up(value: f64) -> u64 {
    if !value.is_finite() || value <= 1.0 {
        return 1;
    }
    if value < 100.0 {
        return value.ceil() as u64;
    }
    let digits = value.log10().floor() as i32;
    let scale = 10f64.powi(digits - 1);
    ((value / scale).ceil() * scale).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_up_never_lowers_a_price() {
        assert_eq!(round_price_up(0.3), 1);
        assert_eq!(round_price_up(41.2), 42);
        assert_eq!(round_price_up(8_801.0), 8_900);
        assert_eq!(round_price_up(8_800.0), 8_800);
        assert_eq!(round_price_up(1.26e7), 13_000_000);
        for v in [1.5, 99.9, 100.0, 123.4, 5_069.0, 2.13e8] {
            assert!(round_price_up(v) as f64 >= v, "{v}");
        }
    }

    #[test]
    fn exact_points_give_their_line() {
        let fit = fit_line(&[(0.0, 5.0), (1.0, 7.0), (2.0, 9.0)]).unwrap();
        assert!((fit.intercept - 5.0).abs() < 1e-12 && (fit.slope - 2.0).abs() < 1e-12);
        assert!((fit.r2 - 1.0).abs() < 1e-12 && fit.max_rel_residual < 1e-12);
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        assert_eq!(fit_line(&[(1.0, 2.0)]), Err(FitError::TooFewPoints(1)));
        assert_eq!(fit_line(&[(3.0, 1.0), (3.0, 2.0)]), Err(FitError::NoSpread));
        assert_eq!(fit_line(&[(0.0, 1.0), (1.0, f64::NAN)]), Err(FitError::NotFinite(1)));
    }

    #[test]
    fn prices_round_to_two_significant_digits() {
        for (value, price) in [
            (0.2, 1),
            (1.4, 1),
            (1.6, 2),
            (47.4, 47),
            (99.6, 100),
            (123.0, 120),
            (125.0, 130),
            (4_449.0, 4_400),
            (46_500.0, 47_000),
            (9_960_000.0, 10_000_000),
            (f64::NAN, 1),
        ] {
            assert_eq!(round_price(value), price, "{value}");
        }
    }
}
