//! The `spectest` host module the spec scripts import from.

use tally_vm::{
    Caller, Error, Extern, FuncType, Global, GlobalType, Linker, Memory, MemoryType, RefType, Store, Table, TableType,
    Trap, Val, ValType,
};

/// Import module name of the host module.
pub const MODULE: &str = "spectest";

/// The printing functions and their parameter types. They do nothing: output is irrelevant to
/// the assertions, and a deterministic VM should not write to stdout anyway.
const PRINT_FUNCS: &[(&str, &[ValType])] = &[
    ("print", &[]),
    ("print_i32", &[ValType::I32]),
    ("print_i64", &[ValType::I64]),
    ("print_f32", &[ValType::F32]),
    ("print_f64", &[ValType::F64]),
    ("print_i32_f32", &[ValType::I32, ValType::F32]),
    ("print_f64_f64", &[ValType::F64, ValType::F64]),
];

/// Defines every `spectest` export in `linker`, creating the global, table and memory entities
/// in `store`:
///
/// - functions `print`, `print_i32`, `print_i64`, `print_f32`, `print_f64`, `print_i32_f32`,
///   `print_f64_f64` (no-ops);
/// - immutable globals `global_i32` = 666, `global_i64` = 666, `global_f32` = 666.6,
///   `global_f64` = 666.6;
/// - `table`: 10 to 20 `funcref` elements, all null;
/// - `memory`: 1 to 2 pages.
pub fn define<T: 'static>(linker: &mut Linker<T>, store: &mut Store<T>) -> Result<(), Error> {
    for &(name, params) in PRINT_FUNCS {
        linker.func_new(
            MODULE,
            name,
            FuncType::new(params.iter().copied(), []),
            |_caller: Caller<'_, T>, _params: &[Val], _results: &mut [Val]| -> Result<(), Trap> { Ok(()) },
        )?;
    }

    let globals = [
        ("global_i32", Val::I32(666)),
        ("global_i64", Val::I64(666)),
        ("global_f32", Val::from(666.6_f32)),
        ("global_f64", Val::from(666.6_f64)),
    ];
    for (name, value) in globals {
        let global = Global::new(store, GlobalType { content: value.ty(), mutable: false }, value)?;
        linker.define(MODULE, name, Extern::Global(global))?;
    }

    let table_type = TableType { element: RefType::FuncRef, minimum: 10, maximum: Some(20) };
    let table = Table::new(store, table_type, Val::FuncRef(None))?;
    linker.define(MODULE, "table", Extern::Table(table))?;

    let memory = Memory::new(store, MemoryType { minimum: 1, maximum: Some(2) })?;
    linker.define(MODULE, "memory", Extern::Memory(memory))?;
    Ok(())
}
