//! Tally's metering intrinsics: the `tally.*` imports that modules instrumented by
//! `tally-gas-injector` call, and the counters they act on.
//!
//! The VM runs these imports itself: a charge is one subtract-and-compare on a counter held by
//! the interpreter, never a host call. Any other engine can run the same instrumented module by
//! implementing the four functions as host functions with the semantics below, and charges the
//! same gas.

use crate::{FuncType, TrapCode, ValType};

/// The import module name reserved for intrinsics.
pub(crate) const MODULE: &str = "tally";

/// One of the `tally.*` imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intrinsic {
    /// `tally.gas(i64)`: charge that much gas.
    Gas,
    /// `tally.gas_len(i32 len, i64 unit) -> i32`: charge `len × unit`, return `len`.
    GasLen,
    /// `tally.stack_enter(i32)`: reserve stack budget.
    StackEnter,
    /// `tally.stack_leave(i32)`: release stack budget.
    StackLeave,
}

impl Intrinsic {
    /// The intrinsic named `name` in the `tally` module.
    pub(crate) fn lookup(name: &str) -> Option<Self> {
        Some(match name {
            "gas" => Self::Gas,
            "gas_len" => Self::GasLen,
            "stack_enter" => Self::StackEnter,
            "stack_leave" => Self::StackLeave,
            _ => return None,
        })
    }

    /// The signature every import of this intrinsic must have.
    pub(crate) fn ty(self) -> FuncType {
        match self {
            Self::Gas => FuncType::new([ValType::I64], []),
            Self::GasLen => FuncType::new([ValType::I32, ValType::I64], [ValType::I32]),
            Self::StackEnter | Self::StackLeave => FuncType::new([ValType::I32], []),
        }
    }
}

/// The gas and stack counters of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Meter {
    /// Gas left.
    pub gas: u64,
    /// Stack units reserved by active frames of the current top-level call.
    pub stack_used: u64,
    /// Stack units available to one top-level call.
    pub stack_budget: u64,
}

impl Default for Meter {
    fn default() -> Self {
        Self { gas: u64::MAX, stack_used: 0, stack_budget: u64::MAX }
    }
}

impl Meter {
    /// Charges `cost`. Running out consumes all remaining gas.
    #[inline(always)]
    pub(crate) fn charge(&mut self, cost: u64) -> Result<(), TrapCode> {
        match self.gas.checked_sub(cost) {
            Some(left) => {
                self.gas = left;
                Ok(())
            }
            None => {
                self.gas = 0;
                Err(TrapCode::OutOfGas)
            }
        }
    }

    /// Charges `len × unit`; an overflowing product is out of gas.
    #[inline(always)]
    pub(crate) fn charge_len(&mut self, len: u32, unit: u64) -> Result<(), TrapCode> {
        match (len as u64).checked_mul(unit) {
            Some(cost) => self.charge(cost),
            None => {
                self.gas = 0;
                Err(TrapCode::OutOfGas)
            }
        }
    }

    /// Reserves `units` of stack; past the budget the call is stack-exhausted.
    #[inline(always)]
    pub(crate) fn enter(&mut self, units: u32) -> Result<(), TrapCode> {
        match self.stack_used.checked_add(units as u64) {
            Some(used) if used <= self.stack_budget => {
                self.stack_used = used;
                Ok(())
            }
            _ => Err(TrapCode::StackExhausted),
        }
    }

    /// Releases `units` of stack.
    #[inline(always)]
    pub(crate) fn leave(&mut self, units: u32) {
        self.stack_used = self.stack_used.saturating_sub(units as u64);
    }

    /// Runs `intrinsic` on argument cells, writing its result cell.
    pub(crate) fn call(&mut self, intrinsic: Intrinsic, cells: &mut [u64]) -> Result<(), TrapCode> {
        let arg = |i: usize| cells.get(i).copied().unwrap_or(0);
        match intrinsic {
            Intrinsic::Gas => self.charge(arg(0)),
            Intrinsic::GasLen => self.charge_len(arg(0) as u32, arg(1)),
            Intrinsic::StackEnter => self.enter(arg(0) as u32),
            Intrinsic::StackLeave => {
                self.leave(arg(0) as u32);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_gas_consumes_everything() {
        let mut m = Meter { gas: 10, ..Meter::default() };
        assert_eq!(m.charge(4), Ok(()));
        assert_eq!(m.gas, 6);
        assert_eq!(m.charge(7), Err(TrapCode::OutOfGas));
        assert_eq!(m.gas, 0);
    }

    #[test]
    fn length_charges_are_checked() {
        let mut m = Meter { gas: 100, ..Meter::default() };
        assert_eq!(m.charge_len(3, 10), Ok(()));
        assert_eq!(m.gas, 70);
        assert_eq!(m.charge_len(u32::MAX, u64::MAX), Err(TrapCode::OutOfGas));
        assert_eq!(m.gas, 0);
    }

    #[test]
    fn stack_budget_is_exact() {
        let mut m = Meter { stack_budget: 10, ..Meter::default() };
        assert_eq!(m.enter(10), Ok(()));
        assert_eq!(m.enter(1), Err(TrapCode::StackExhausted));
        m.leave(4);
        assert_eq!(m.enter(4), Ok(()));
        m.leave(100);
        assert_eq!(m.stack_used, 0);
    }
}
