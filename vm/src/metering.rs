//! Tally's metering intrinsics: the `tally.*` imports that modules instrumented by
//! `tally-gas-injector` call, run by the VM itself.
//!
//! A charge is one subtract-and-compare on a counter held by the interpreter, never a host call.
//! The contract (module and field names, signatures) and the counters' semantics ([`Meter`]) are
//! `tally_profile::metering`, which the injector writes modules against: this module only adapts
//! them to the VM (signatures as [`FuncType`]s, traps as [`TrapCode`]s, arguments in cells).

use tally_profile::metering::MeterTrap;
pub(crate) use tally_profile::metering::{BranchSites, Import, Meter, MODULE};

use crate::{FuncType, TrapCode, ValType};

/// The signature every import of `import` must have, in the VM's types.
pub(crate) fn signature(import: Import) -> FuncType {
    // The profile's signatures use numeric types only, which the VM has all of.
    let vm =
        |types: &[wasmparser::ValType]| types.iter().filter_map(|&t| ValType::from_wasmparser(t)).collect::<Vec<_>>();
    FuncType::new(vm(import.params()), vm(import.results()))
}

/// Whether `ty` is [`signature`]`(import)`, without building it: loading code checks the
/// signature of every intrinsic it imports.
pub(crate) fn has_signature(import: Import, ty: &FuncType) -> bool {
    let same = |wanted: &[wasmparser::ValType], got: &[ValType]| {
        wanted.len() == got.len() && wanted.iter().zip(got).all(|(w, g)| ValType::from_wasmparser(*w) == Some(*g))
    };
    same(import.params(), ty.params()) && same(import.results(), ty.results())
}

/// The VM's trap for a metering trap.
#[inline(always)]
pub(crate) fn trap_code(trap: MeterTrap) -> TrapCode {
    match trap {
        MeterTrap::OutOfGas => TrapCode::OutOfGas,
        MeterTrap::StackExhausted => TrapCode::StackExhausted,
    }
}

/// Runs `import` on `meter` and the store's `sites` with its arguments in `cells` (each the
/// value's bits, as the interpreter stores them); the result of `tally.gas_len` and
/// `tally.branch` is their first argument, already in place.
pub(crate) fn call(
    meter: &mut Meter,
    sites: &mut BranchSites,
    import: Import,
    cells: &mut [u64],
) -> Result<(), TrapCode> {
    let arg = |i: usize| cells.get(i).copied().unwrap_or(0);
    let ran = match import {
        Import::Gas => meter.gas(arg(0)),
        Import::GasLen => meter.gas_len(arg(0) as u32, arg(1)).map(|_| ()),
        Import::StackEnter => meter.stack_enter(arg(0) as u32),
        Import::StackLeave => {
            meter.stack_leave(arg(0) as u32);
            Ok(())
        }
        Import::Branch => sites.branch(meter, arg(0) as u32, arg(1) as u32, arg(2)).map(|_| ()),
    };
    ran.map_err(trap_code)
}

/// A store's meter before any budget is set: unlimited gas and stack, as for code that was not
/// instrumented.
pub(crate) const UNLIMITED: Meter = Meter::new(u64::MAX, u64::MAX);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_profile() {
        for import in Import::ALL {
            let sig = signature(import);
            assert_eq!(sig.params().len(), import.params().len(), "{import}");
            assert_eq!(sig.results().len(), import.results().len(), "{import}");
        }
        assert_eq!(signature(Import::GasLen), FuncType::new([ValType::I32, ValType::I64], [ValType::I32]));
    }

    /// `has_signature` accepts each intrinsic's own signature and no other intrinsic's that
    /// differs, nor a type with a parameter or result more or less.
    #[test]
    fn has_signature_is_equality_with_the_signature() {
        let mut others: Vec<FuncType> = Import::ALL.iter().map(|i| signature(*i)).collect();
        others.push(FuncType::new([], []));
        others.push(FuncType::new([ValType::I64, ValType::I32], [ValType::I32]));
        for import in Import::ALL {
            let own = signature(import);
            let longer = FuncType::new(own.params().iter().copied().chain([ValType::I32]), own.results().to_vec());
            let more = FuncType::new(own.params().to_vec(), own.results().iter().copied().chain([ValType::I64]));
            for ty in others.iter().chain([&longer, &more]) {
                assert_eq!(has_signature(import, ty), *ty == own, "{import} against {ty}");
            }
        }
    }

    #[test]
    fn calls_read_their_arguments_from_cells() {
        let mut m = Meter::new(100, 10);
        let mut s = BranchSites::new();
        let mut cells = [3, 10];
        assert_eq!(call(&mut m, &mut s, Import::GasLen, &mut cells), Ok(()));
        assert_eq!((m.remaining(), cells[0]), (70, 3));
        // Only the low 32 bits of an `i32` argument count.
        assert_eq!(call(&mut m, &mut s, Import::StackEnter, &mut [(1 << 32) | 10]), Ok(()));
        assert_eq!(call(&mut m, &mut s, Import::StackEnter, &mut [1]), Err(TrapCode::StackExhausted));
        assert_eq!(call(&mut m, &mut s, Import::StackLeave, &mut [10]), Ok(()));
        assert_eq!(m.stack_used(), 0);
        // `tally.branch(cond, site, cost)`: a change of direction at site 9 costs 5.
        let mut cells = [(1 << 32) | 2, 9, 5];
        assert_eq!(call(&mut m, &mut s, Import::Branch, &mut cells), Ok(()));
        assert_eq!((m.remaining(), cells[0] as u32), (65, 2));
        assert_eq!(call(&mut m, &mut s, Import::Branch, &mut [1 << 32, 9, 5]), Ok(()), "only the low 32 bits");
        assert_eq!(m.remaining(), 60);
        assert_eq!(call(&mut m, &mut s, Import::Gas, &mut [71]), Err(TrapCode::OutOfGas));
        assert_eq!(m.remaining(), 0);
    }
}
