//! The metering contract: the functions a module instrumented by `tally-gas-injector` imports,
//! and what they do.
//!
//! An instrumented module imports the five functions of [`Import`] from the module [`MODULE`],
//! first and in that order, so that they are functions 0 to 4 and every function of the
//! original module moves up by [`FUNC_SHIFT`]. An engine runs them with the semantics of
//! [`Meter`] and [`BranchSites`] (as intrinsics, as `tally-vm` does, or as host functions) and
//! charges exactly the gas any other engine charges.
//!
//! | index | import | type |
//! |---|---|---|
//! | 0 | `tally.gas` | `(param i64)` |
//! | 1 | `tally.gas_len` | `(param i32 i64) (result i32)` |
//! | 2 | `tally.stack_enter` | `(param i32)` |
//! | 3 | `tally.stack_leave` | `(param i32)` |
//! | 4 | `tally.branch` | `(param i32 i32 i64) (result i32)` |
//!
//! ```
//! use tally_profile::metering::{Import, FUNC_SHIFT, MODULE};
//!
//! let imports: Vec<_> = Import::ALL.iter().map(|i| format!("{MODULE}.{}", i.name())).collect();
//! assert_eq!(imports, ["tally.gas", "tally.gas_len", "tally.stack_enter", "tally.stack_leave", "tally.branch"]);
//! assert_eq!(Import::from_name("gas_len"), Some(Import::GasLen));
//! assert_eq!(Import::from_index(Import::StackLeave.index()), Some(Import::StackLeave));
//! assert_eq!(FUNC_SHIFT, 5);
//! ```

mod branch;
mod meter;

pub use branch::BranchSites;
pub use meter::{Meter, MeterTrap};
use wasmparser::{FuncType, ValType};

/// Module name of the metering imports. A module to be instrumented must import nothing from
/// it, and an engine must resolve every import from it to one of [`Import`].
pub const MODULE: &str = "tally";

/// Export names starting with this prefix are reserved: the injector rejects modules that
/// export one, so that engines and hosts may export their own under it.
pub const RESERVED_EXPORT_PREFIX: &str = "tally";

/// How far every function index of the original module moves in the instrumented one: the
/// number of metering imports, which come before the original imports.
pub const FUNC_SHIFT: u32 = Import::ALL.len() as u32;

/// One of the metering imports. Its discriminant is its function index in an instrumented
/// module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Import {
    /// `tally.gas(i64 cost)`: charges `cost` ([`Meter::gas`]).
    Gas = 0,
    /// `tally.gas_len(i32 len, i64 unit) -> i32`: charges `len × unit` and returns `len`
    /// ([`Meter::gas_len`]).
    GasLen = 1,
    /// `tally.stack_enter(i32 units)`: reserves stack budget for a frame
    /// ([`Meter::stack_enter`]).
    StackEnter = 2,
    /// `tally.stack_leave(i32 units)`: releases it ([`Meter::stack_leave`]).
    StackLeave = 3,
    /// `tally.branch(i32 cond, i32 site, i64 cost) -> i32`: charges `cost` when the branch at
    /// `site` goes the other way from its last run, and returns `cond`
    /// ([`BranchSites::branch`]).
    Branch = 4,
}

impl Import {
    /// Every import, in function-index order: the order of the instrumented module's import
    /// section.
    pub const ALL: [Import; 5] = [Import::Gas, Import::GasLen, Import::StackEnter, Import::StackLeave, Import::Branch];

    /// Its function index in an instrumented module.
    pub const fn index(self) -> u32 {
        self as u32
    }

    /// The import whose function index is `index`, if it is one of them.
    pub const fn from_index(index: u32) -> Option<Import> {
        match index {
            0 => Some(Import::Gas),
            1 => Some(Import::GasLen),
            2 => Some(Import::StackEnter),
            3 => Some(Import::StackLeave),
            4 => Some(Import::Branch),
            _ => None,
        }
    }

    /// Its field name in the [`MODULE`] module.
    pub const fn name(self) -> &'static str {
        match self {
            Import::Gas => "gas",
            Import::GasLen => "gas_len",
            Import::StackEnter => "stack_enter",
            Import::StackLeave => "stack_leave",
            Import::Branch => "branch",
        }
    }

    /// The import named `name` in the [`MODULE`] module, if there is one.
    pub fn from_name(name: &str) -> Option<Import> {
        Import::ALL.into_iter().find(|i| i.name() == name)
    }

    /// Its parameter types.
    pub const fn params(self) -> &'static [ValType] {
        match self {
            Import::Gas => &[ValType::I64],
            Import::GasLen => &[ValType::I32, ValType::I64],
            Import::StackEnter | Import::StackLeave => &[ValType::I32],
            Import::Branch => &[ValType::I32, ValType::I32, ValType::I64],
        }
    }

    /// Its result types.
    pub const fn results(self) -> &'static [ValType] {
        match self {
            Import::GasLen | Import::Branch => &[ValType::I32],
            Import::Gas | Import::StackEnter | Import::StackLeave => &[],
        }
    }

    /// Its function type, `params -> results`: the only type it may be imported with.
    pub fn func_type(self) -> FuncType {
        FuncType::new(self.params().iter().copied(), self.results().iter().copied())
    }
}

impl core::fmt::Display for Import {
    /// `tally.<name>`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{MODULE}.{}", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_names_and_order_agree() {
        for (i, import) in Import::ALL.into_iter().enumerate() {
            assert_eq!(import.index(), i as u32);
            assert_eq!(Import::from_index(i as u32), Some(import));
            assert_eq!(Import::from_name(import.name()), Some(import));
        }
        assert_eq!(Import::from_index(FUNC_SHIFT), None);
        assert_eq!(Import::from_name("mint"), None);
        assert_eq!(Import::GasLen.to_string(), "tally.gas_len");
    }

    /// The signatures are consensus: changing one breaks every instrumented module.
    #[test]
    fn signatures_are_the_documented_ones() {
        let types: Vec<String> = Import::ALL.iter().map(|i| i.func_type().to_string()).collect();
        assert_eq!(
            types,
            [
                "(func (param i64))",
                "(func (param i32 i64) (result i32))",
                "(func (param i32))",
                "(func (param i32))",
                "(func (param i32 i32 i64) (result i32))"
            ]
        );
    }
}
