//! The reference semantics of the metering imports, for engines to call or copy: `tally-vm`
//! runs its intrinsics through [`Meter`], and the differential tests run other engines' host
//! functions through it.

/// Why a metering import traps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeterTrap {
    /// A charge exceeded the remaining gas (which is now 0).
    OutOfGas,
    /// A frame reservation exceeded the stack budget (nothing was reserved).
    StackExhausted,
}

/// Gas and stack counters with exactly the semantics `SPEC.md` gives the imports. An engine that
/// runs `tally.gas`, `tally.gas_len`, `tally.stack_enter` and `tally.stack_leave` through these
/// methods (as intrinsics or as host functions) charges the same gas as any other.
///
/// Both counters are `u64`: a charge is a `u64`, and a stack reservation is a `u32` added to a
/// `u64` total, so no sequence of calls overflows a counter; the budget (normally a schedule's
/// `u32` `StackCosts::budget` in `tally-gas-injector`, or `u64::MAX` for no limit) bounds the
/// total.
///
/// ```
/// use tally_profile::metering::{Meter, MeterTrap};
///
/// let mut m = Meter::new(100, 64);
/// m.gas(60)?;
/// assert_eq!(m.gas_len(4, 10)?, 4);
/// assert_eq!(m.remaining(), 0);
/// assert_eq!(m.gas(1), Err(MeterTrap::OutOfGas));
/// m.stack_enter(40)?;
/// assert_eq!(m.stack_enter(40), Err(MeterTrap::StackExhausted));
/// m.stack_leave(40);
/// assert_eq!(m.stack_used(), 0);
/// # Ok::<(), MeterTrap>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meter {
    remaining: u64,
    stack_used: u64,
    stack_budget: u64,
}

impl Meter {
    /// A meter with `gas` to spend and `stack_budget` units of stack for the frames of one
    /// top-level call (normally the schedule's `StackCosts::budget`), none of them reserved.
    #[inline]
    pub const fn new(gas: u64, stack_budget: u64) -> Self {
        Self { remaining: gas, stack_used: 0, stack_budget }
    }

    /// Gas left.
    #[inline(always)]
    pub const fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Sets the gas left.
    #[inline(always)]
    pub fn set_remaining(&mut self, gas: u64) {
        self.remaining = gas;
    }

    /// Stack units reserved by the active frames.
    #[inline]
    pub const fn stack_used(&self) -> u64 {
        self.stack_used
    }

    /// Stack units the frames of one top-level call may reserve.
    #[inline]
    pub const fn stack_budget(&self) -> u64 {
        self.stack_budget
    }

    /// Sets the stack budget (reservations already made stand).
    #[inline]
    pub fn set_stack_budget(&mut self, units: u64) {
        self.stack_budget = units;
    }

    /// Releases every reservation; call it at each top-level invocation (a trap skips the
    /// releases of the frames it unwinds).
    #[inline]
    pub fn reset_stack(&mut self) {
        self.stack_used = 0;
    }

    /// `tally.gas(c)`: charges `c` (the `i64` argument read as `u64`). If `c` exceeds the
    /// remaining gas, the remaining gas becomes 0 and the call traps.
    #[inline(always)]
    pub fn gas(&mut self, c: u64) -> Result<(), MeterTrap> {
        match self.remaining.checked_sub(c) {
            Some(left) => {
                self.remaining = left;
                Ok(())
            }
            None => {
                self.remaining = 0;
                Err(MeterTrap::OutOfGas)
            }
        }
    }

    /// `tally.gas_len(len, unit)`: charges `len × unit` (`len` is the `i32` argument read as
    /// `u32`, `unit` the `i64` read as `u64`; an overflowing product is out of gas) and returns
    /// `len`.
    #[inline(always)]
    pub fn gas_len(&mut self, len: u32, unit: u64) -> Result<u32, MeterTrap> {
        match u64::from(len).checked_mul(unit) {
            Some(c) => self.gas(c).map(|()| len),
            None => {
                self.remaining = 0;
                Err(MeterTrap::OutOfGas)
            }
        }
    }

    /// `tally.stack_enter(n)`: reserves `n` units (the `i32` argument read as `u32`), or traps
    /// without reserving anything when that would exceed the budget.
    #[inline(always)]
    pub fn stack_enter(&mut self, n: u32) -> Result<(), MeterTrap> {
        match self.stack_used.checked_add(u64::from(n)) {
            Some(used) if used <= self.stack_budget => {
                self.stack_used = used;
                Ok(())
            }
            _ => Err(MeterTrap::StackExhausted),
        }
    }

    /// `tally.stack_leave(n)`: releases `n` units, saturating at 0.
    #[inline(always)]
    pub fn stack_leave(&mut self, n: u32) {
        self.stack_used = self.stack_used.saturating_sub(u64::from(n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges() {
        let mut m = Meter::new(10, u32::MAX.into());
        assert_eq!(m.gas(10), Ok(()));
        assert_eq!(m.gas(0), Ok(()));
        assert_eq!(m.gas(1), Err(MeterTrap::OutOfGas));
        m.set_remaining(u64::MAX);
        assert_eq!(m.gas_len(u32::MAX, u64::MAX), Err(MeterTrap::OutOfGas));
        assert_eq!(m.remaining(), 0);
        m.set_remaining(u64::MAX);
        assert_eq!(m.gas_len(0, u64::MAX), Ok(0));
        assert_eq!(m.gas_len(u32::MAX, 1), Ok(u32::MAX));
        assert_eq!(m.remaining(), u64::MAX - u64::from(u32::MAX));
        assert_eq!(m.stack_enter(u32::MAX), Ok(()));
        assert_eq!(m.stack_enter(1), Err(MeterTrap::StackExhausted));
        assert_eq!(m.stack_used(), u64::from(u32::MAX));
        m.stack_leave(u32::MAX);
        m.stack_leave(5);
        assert_eq!(m.stack_used(), 0);
        m.stack_enter(3).unwrap();
        m.reset_stack();
        assert_eq!(m.stack_used(), 0);
    }

    #[test]
    fn out_of_gas_consumes_everything() {
        let mut m = Meter::new(10, 0);
        assert_eq!(m.gas(4), Ok(()));
        assert_eq!(m.remaining(), 6);
        assert_eq!(m.gas(7), Err(MeterTrap::OutOfGas));
        assert_eq!(m.remaining(), 0);
        m.set_remaining(100);
        assert_eq!(m.gas_len(3, 10), Ok(3));
        assert_eq!(m.remaining(), 70);
        assert_eq!(m.gas_len(8, 10), Err(MeterTrap::OutOfGas));
        assert_eq!(m.remaining(), 0);
    }

    #[test]
    fn stack_budget_is_exact() {
        let mut m = Meter::new(0, 10);
        assert_eq!(m.stack_enter(10), Ok(()));
        assert_eq!(m.stack_enter(1), Err(MeterTrap::StackExhausted));
        assert_eq!(m.stack_used(), 10);
        m.stack_leave(4);
        assert_eq!(m.stack_enter(4), Ok(()));
        m.stack_leave(100);
        assert_eq!(m.stack_used(), 0);
        m.set_stack_budget(3);
        assert_eq!(m.stack_budget(), 3);
        assert_eq!(m.stack_enter(4), Err(MeterTrap::StackExhausted));
    }

    /// Without a budget (`u64::MAX`), reservations of `u32::MAX` units add up past `u32`.
    #[test]
    fn the_stack_counter_is_wider_than_a_reservation() {
        let mut m = Meter::new(0, u64::MAX);
        for _ in 0..3 {
            m.stack_enter(u32::MAX).unwrap();
        }
        assert_eq!(m.stack_used(), 3 * u64::from(u32::MAX));
        m.stack_leave(u32::MAX);
        assert_eq!(m.stack_used(), 2 * u64::from(u32::MAX));
    }
}
