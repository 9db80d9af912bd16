//! What the calibration prices: the operator classes (which operators share a price), and every
//! term of the cost model, with how to read and set it in [`Params`].
//!
//! A [`Term`] is one number of the consensus cost model: the price of an operator class (every
//! operator of the class gets it), `br_table_per_target`, `per_local`, `call_per_param`, a field of
//! [`DynamicCosts`](tally_gas_injector::DynamicCosts), or a field of [`HostCosts`].
//!
//! Operators are grouped into [`OpClass`]es by what their worst case costs the interpreter: one
//! probe per member (or per member family) measures it, and the class price is the largest of
//! its members' (see `BENCHMARKS.md`, "Calibration", for the table).

use tally_gas_injector::OpKind;
use tally_host_env::{HostCosts, Params};

/// Declares [`OpClass`] with its names and docs.
macro_rules! op_classes {
    ($( $class:ident $name:literal $doc:literal, )*) => {
        /// A group of operators that share one price.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum OpClass {
            $( #[doc = $doc] $class, )*
        }

        impl OpClass {
            /// Every class, in calibration order (a class's probes use only earlier classes as
            /// helpers).
            pub const ALL: &'static [OpClass] = &[$(OpClass::$class,)*];

            /// The class's name in the calibration file.
            pub const fn name(self) -> &'static str {
                match self { $(OpClass::$class => $name,)* }
            }

            /// What the class holds, in words.
            pub const fn doc(self) -> &'static str {
                match self { $(OpClass::$class => $doc,)* }
            }
        }
    };
}

op_classes! {
    Simple "simple" "Operators that move a value or mark structure: `nop`, `drop`, `local.*`, constants, `block`, `else`, `end`, `ref.null`.",
    Alu "alu" "Integer arithmetic, bitwise and comparison operators except division and the bit counts; integer width changes, reinterpretations, float `abs`/`neg`/`copysign` and comparisons, `select`, `memory.size`, `table.size`, `ref.is_null`, `ref.func`, `unreachable`.",
    Popcnt "popcnt" "The bit counts `popcnt`, `clz`, `ctz` (`i32`, `i64`): without the POPCNT and LZCNT/TZCNT instructions in the x86-64 baseline the interpreter counts in software or with a branch on zero, several times an ALU operator; ordinary code rarely runs them, so pricing them apart keeps `alu` cheap.",
    Global "global" "`global.get`, `global.set`.",
    Call "call" "`call`: a direct call (frame, stack-limit check) of a function.",
    Branch "branch" "`loop`, `if`, `br`, `br_if`, `return`: each ends a metered region, so the next region's charge is part of its price.",
    IntDiv "int-div" "Integer `div` and `rem`, on operands with the longest quotient.",
    FloatRound "float-round" "Float `ceil`, `floor`, `trunc`, `nearest`, `min`, `max`.",
    Convert "convert" "Float↔integer conversions (trapping and saturating), `demote`, `promote`.",
    FloatAdd "float-add" "Float `add`, `sub`.",
    FloatMul "float-mul" "Float `mul`, on subnormal operands or results.",
    FloatDiv "float-div" "Float `div`, on subnormal operands or results.",
    FloatSqrt "float-sqrt" "Float `sqrt` of subnormals.",
    TableAccess "table-access" "`table.get`, `table.set`.",
    BrTable "br-table" "`br_table`, to a target picked at random (its labels pay `br_table_per_target`).",
    CallIndirect "call-indirect" "`call_indirect` to a function picked at random from a table at the size limit.",
    MemoryAccess "memory-access" "Loads and stores, on addresses that miss the caches (their memory's size pays `memory_access_per_page`).",
    Bulk "bulk" "The fixed part of `memory.init`/`copy`/`fill`, `table.init`/`copy`/`fill` (their length pays the dynamic per-unit costs), and `data.drop`, `elem.drop`.",
    MemoryGrow "memory-grow" "The fixed part of `memory.grow` (its pages pay `memory_grow_per_page`).",
    TableGrow "table-grow" "The fixed part of `table.grow` (its elements pay `table_grow_per_element`).",
}

/// The class of `op`.
pub const fn class_of(op: OpKind) -> OpClass {
    use OpClass as C;
    use OpKind as O;
    match op {
        O::Nop
        | O::Drop
        | O::LocalGet
        | O::LocalSet
        | O::LocalTee
        | O::I32Const
        | O::I64Const
        | O::F32Const
        | O::F64Const
        | O::Block
        | O::Else
        | O::End
        | O::RefNull => C::Simple,
        O::Loop | O::If | O::Br | O::BrIf | O::Return => C::Branch,
        O::BrTable => C::BrTable,
        O::Call => C::Call,
        O::CallIndirect => C::CallIndirect,
        O::GlobalGet | O::GlobalSet => C::Global,
        O::TableGet | O::TableSet => C::TableAccess,
        O::I32Load
        | O::I64Load
        | O::F32Load
        | O::F64Load
        | O::I32Load8S
        | O::I32Load8U
        | O::I32Load16S
        | O::I32Load16U
        | O::I64Load8S
        | O::I64Load8U
        | O::I64Load16S
        | O::I64Load16U
        | O::I64Load32S
        | O::I64Load32U
        | O::I32Store
        | O::I64Store
        | O::F32Store
        | O::F64Store
        | O::I32Store8
        | O::I32Store16
        | O::I64Store8
        | O::I64Store16
        | O::I64Store32 => C::MemoryAccess,
        O::MemoryGrow => C::MemoryGrow,
        O::TableGrow => C::TableGrow,
        O::MemoryInit
        | O::MemoryCopy
        | O::MemoryFill
        | O::TableInit
        | O::TableCopy
        | O::TableFill
        | O::DataDrop
        | O::ElemDrop => C::Bulk,
        O::I32DivS | O::I32DivU | O::I32RemS | O::I32RemU | O::I64DivS | O::I64DivU | O::I64RemS | O::I64RemU => {
            C::IntDiv
        }
        O::F32Ceil
        | O::F32Floor
        | O::F32Trunc
        | O::F32Nearest
        | O::F32Min
        | O::F32Max
        | O::F64Ceil
        | O::F64Floor
        | O::F64Trunc
        | O::F64Nearest
        | O::F64Min
        | O::F64Max => C::FloatRound,
        O::I32TruncF32S
        | O::I32TruncF32U
        | O::I32TruncF64S
        | O::I32TruncF64U
        | O::I64TruncF32S
        | O::I64TruncF32U
        | O::I64TruncF64S
        | O::I64TruncF64U
        | O::F32ConvertI32S
        | O::F32ConvertI32U
        | O::F32ConvertI64S
        | O::F32ConvertI64U
        | O::F32DemoteF64
        | O::F64ConvertI32S
        | O::F64ConvertI32U
        | O::F64ConvertI64S
        | O::F64ConvertI64U
        | O::F64PromoteF32
        | O::I32TruncSatF32S
        | O::I32TruncSatF32U
        | O::I32TruncSatF64S
        | O::I32TruncSatF64U
        | O::I64TruncSatF32S
        | O::I64TruncSatF32U
        | O::I64TruncSatF64S
        | O::I64TruncSatF64U => C::Convert,
        O::F32Add | O::F32Sub | O::F64Add | O::F64Sub => C::FloatAdd,
        O::I32Popcnt | O::I64Popcnt | O::I32Clz | O::I32Ctz | O::I64Clz | O::I64Ctz => C::Popcnt,
        O::F32Mul | O::F64Mul => C::FloatMul,
        O::F32Div | O::F64Div => C::FloatDiv,
        O::F32Sqrt | O::F64Sqrt => C::FloatSqrt,
        O::Unreachable
        | O::Select
        | O::TypedSelect
        | O::MemorySize
        | O::TableSize
        | O::RefIsNull
        | O::RefFunc
        | O::I32Eqz
        | O::I32Eq
        | O::I32Ne
        | O::I32LtS
        | O::I32LtU
        | O::I32GtS
        | O::I32GtU
        | O::I32LeS
        | O::I32LeU
        | O::I32GeS
        | O::I32GeU
        | O::I64Eqz
        | O::I64Eq
        | O::I64Ne
        | O::I64LtS
        | O::I64LtU
        | O::I64GtS
        | O::I64GtU
        | O::I64LeS
        | O::I64LeU
        | O::I64GeS
        | O::I64GeU
        | O::F32Eq
        | O::F32Ne
        | O::F32Lt
        | O::F32Gt
        | O::F32Le
        | O::F32Ge
        | O::F64Eq
        | O::F64Ne
        | O::F64Lt
        | O::F64Gt
        | O::F64Le
        | O::F64Ge
        | O::I32Add
        | O::I32Sub
        | O::I32Mul
        | O::I32And
        | O::I32Or
        | O::I32Xor
        | O::I32Shl
        | O::I32ShrS
        | O::I32ShrU
        | O::I32Rotl
        | O::I32Rotr
        | O::I64Add
        | O::I64Sub
        | O::I64Mul
        | O::I64And
        | O::I64Or
        | O::I64Xor
        | O::I64Shl
        | O::I64ShrS
        | O::I64ShrU
        | O::I64Rotl
        | O::I64Rotr
        | O::F32Abs
        | O::F32Neg
        | O::F32Copysign
        | O::F64Abs
        | O::F64Neg
        | O::F64Copysign
        | O::I32WrapI64
        | O::I64ExtendI32S
        | O::I64ExtendI32U
        | O::I32ReinterpretF32
        | O::I64ReinterpretF64
        | O::F32ReinterpretI32
        | O::F64ReinterpretI64
        | O::I32Extend8S
        | O::I32Extend16S
        | O::I64Extend8S
        | O::I64Extend16S
        | O::I64Extend32S => C::Alu,
    }
}

/// The operators of `class`, in canonical order.
pub fn members(class: OpClass) -> Vec<OpKind> {
    OpKind::ALL.iter().copied().filter(|op| class_of(*op) == class).collect()
}

/// Declares a field enum over a cost struct: variants, names, and reading and writing the field.
macro_rules! field_terms {
    ($(#[$meta:meta])* $enum:ident of $ty:ty { $( $variant:ident $field:ident, )* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $enum {
            $( #[doc = concat!("`", stringify!($field), "`")] $variant, )*
        }

        impl $enum {
            /// Every field, in declaration order.
            pub const ALL: &'static [$enum] = &[$($enum::$variant,)*];

            /// The field's name.
            pub const fn name(self) -> &'static str {
                match self { $($enum::$variant => stringify!($field),)* }
            }

            /// The field's value in `costs`.
            pub fn get(self, costs: &$ty) -> u64 {
                match self { $($enum::$variant => costs.$field,)* }
            }

            /// Sets the field in `costs`.
            pub fn set(self, costs: &mut $ty, value: u64) {
                match self { $($enum::$variant => costs.$field = value,)* }
            }
        }
    };
}

field_terms! {
    /// A field of [`DynamicCosts`](tally_gas_injector::DynamicCosts).
    DynTerm of tally_gas_injector::DynamicCosts {
        MemoryGrowPerPage memory_grow_per_page,
        MemoryInitPerByte memory_init_per_byte,
        MemoryCopyPerByte memory_copy_per_byte,
        MemoryFillPerByte memory_fill_per_byte,
        TableGrowPerElement table_grow_per_element,
        TableInitPerElement table_init_per_element,
        TableCopyPerElement table_copy_per_element,
        TableFillPerElement table_fill_per_element,
        MemoryAccessPerPage memory_access_per_page,
        MemoryAccessPerPageAbove memory_access_per_page_above,
    }
}

field_terms! {
    /// A field of [`HostCosts`].
    HostTerm of HostCosts {
        Base base,
        MemoryReadByte memory_read_byte,
        MemoryWriteByte memory_write_byte,
        StorageRead storage_read,
        StorageHas storage_has,
        StorageWrite storage_write,
        StorageRemove storage_remove,
        Commit commit,
        StorageKeyByte storage_key_byte,
        StorageValueByte storage_value_byte,
        Event event,
        EventTopic event_topic,
        EventDataByte event_data_byte,
        Keccak keccak,
        KeccakBlock keccak_block,
        Call call,
        Deploy deploy,
        DeployCodeByte deploy_code_byte,
        DebugLog debug_log,
        Load load,
        LoadCodeByte load_code_byte,
        LoadFunction load_function,
        LoadLocal load_local,
        LoadGlobal load_global,
        LoadBrTableTarget load_br_table_target,
        Instantiate instantiate,
        InstantiateFunction instantiate_function,
        InstantiateGlobal instantiate_global,
        InstantiateTableElement instantiate_table_element,
        InstantiateElemItem instantiate_elem_item,
        InstantiateDataByte instantiate_data_byte,
        ReceiptByte receipt_byte,
    }
}

/// One price of the cost model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Term {
    /// The price of every operator of a class.
    Op(OpClass),
    /// `Schedule::br_table_per_target`.
    BrTablePerTarget,
    /// `Schedule::per_local`.
    PerLocal,
    /// `Schedule::call_per_param`.
    CallPerParam,
    /// A field of the schedule's dynamic costs.
    Dyn(DynTerm),
    /// A field of the host costs.
    Host(HostTerm),
    /// `Schedule::branch_change` (`op.branch-change`): a conditional branch that goes the other
    /// way than the same site's last run in the store (`gas-injector/SPEC.md`, "Branch
    /// direction"). Rule inputs timed before it existed count it from a branch census
    /// ([`super::direction`]).
    BranchChange,
}

impl Term {
    /// Every term, in the order the calibration file lists them.
    pub fn all() -> Vec<Term> {
        let mut all: Vec<Term> = OpClass::ALL.iter().map(|c| Term::Op(*c)).collect();
        all.extend([Term::BrTablePerTarget, Term::BranchChange, Term::PerLocal, Term::CallPerParam]);
        all.extend(DynTerm::ALL.iter().map(|d| Term::Dyn(*d)));
        all.extend(HostTerm::ALL.iter().map(|h| Term::Host(*h)));
        all
    }

    /// The term named `name` ([`Term::name`]).
    pub fn named(name: &str) -> Option<Term> {
        Term::all().into_iter().find(|t| t.name() == name)
    }

    /// The term's name: the class name for operator classes (`alu`), else the field's name
    /// (`schedule.per_local`, `dynamic.memory_fill_per_byte`, `host.storage_read`).
    pub fn name(self) -> String {
        match self {
            Term::Op(c) => format!("op.{}", c.name()),
            Term::BrTablePerTarget => "schedule.br_table_per_target".into(),
            Term::PerLocal => "schedule.per_local".into(),
            Term::CallPerParam => "schedule.call_per_param".into(),
            Term::Dyn(d) => format!("dynamic.{}", d.name()),
            Term::Host(h) => format!("host.{}", h.name()),
            Term::BranchChange => "op.branch-change".into(),
        }
    }

    /// The term's price in `params`. For a class, the largest price of its members (they are
    /// equal in any schedule this tool writes); a class whose operators are all forbidden is 0.
    pub fn get(self, params: &Params) -> u64 {
        let s = &params.schedule;
        match self {
            Term::Op(c) => members(c).into_iter().filter_map(|op| s.cost(op)).max().unwrap_or(0),
            Term::BrTablePerTarget => s.br_table_per_target,
            Term::PerLocal => s.per_local,
            Term::CallPerParam => s.call_per_param,
            Term::Dyn(d) => d.get(&s.dynamic),
            Term::Host(h) => h.get(&params.host),
            Term::BranchChange => s.branch_change,
        }
    }

    /// Sets the term's price in `params` (every member of a class).
    pub fn set(self, params: &mut Params, value: u64) {
        let s = &mut params.schedule;
        match self {
            Term::Op(c) => {
                for op in members(c) {
                    s.set_cost(op, Some(value));
                }
            }
            Term::BrTablePerTarget => s.br_table_per_target = value,
            Term::PerLocal => s.per_local = value,
            Term::CallPerParam => s.call_per_param = value,
            Term::Dyn(d) => d.set(&mut s.dynamic, value),
            Term::Host(h) => h.set(&mut params.host, value),
            Term::BranchChange => s.branch_change = value,
        }
    }

    /// Whether every member of the class has the same price in `params` (always, for a term
    /// that is not a class).
    pub fn is_uniform(self, params: &Params) -> bool {
        match self {
            Term::Op(c) => {
                let mut costs = members(c).into_iter().map(|op| params.schedule.cost(op));
                let first = costs.next();
                costs.all(|c| Some(c) == first)
            }
            _ => true,
        }
    }
}
