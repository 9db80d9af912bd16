//! The reference semantics of the four `tally.*` imports, for engines to call or copy.

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
/// ```
/// use tally_gas_injector::{Meter, MeterTrap};
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meter {
    remaining: u64,
    stack_used: u32,
    stack_budget: u32,
}

impl Meter {
    /// A meter with `gas` to spend and a stack budget (normally the schedule's
    /// [`StackCosts::budget`](crate::StackCosts::budget)).
    pub fn new(gas: u64, stack_budget: u32) -> Self {
        Self { remaining: gas, stack_used: 0, stack_budget }
    }

    /// Gas left.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// Sets the gas left.
    pub fn set_remaining(&mut self, gas: u64) {
        self.remaining = gas;
    }

    /// Stack units reserved by the active frames.
    pub fn stack_used(&self) -> u32 {
        self.stack_used
    }

    /// Releases every reservation; call it at each top-level invocation (a trap skips the
    /// releases of the frames it unwinds).
    pub fn reset_stack(&mut self) {
        self.stack_used = 0;
    }

    /// `tally.gas(c)`: charges `c` (the `i64` argument read as `u64`). If `c` exceeds the
    /// remaining gas, the remaining gas becomes 0 and the call traps.
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
    pub fn stack_enter(&mut self, n: u32) -> Result<(), MeterTrap> {
        match self.stack_used.checked_add(n) {
            Some(used) if used <= self.stack_budget => {
                self.stack_used = used;
                Ok(())
            }
            _ => Err(MeterTrap::StackExhausted),
        }
    }

    /// `tally.stack_leave(n)`: releases `n` units, saturating at 0.
    pub fn stack_leave(&mut self, n: u32) {
        self.stack_used = self.stack_used.saturating_sub(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges() {
        let mut m = Meter::new(10, u32::MAX);
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
        assert_eq!(m.stack_used(), u32::MAX);
        m.stack_leave(u32::MAX);
        m.stack_leave(5);
        assert_eq!(m.stack_used(), 0);
        m.stack_enter(3).unwrap();
        m.reset_stack();
        assert_eq!(m.stack_used(), 0);
    }
}
