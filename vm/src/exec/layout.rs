//! Operand layouts: where each op keeps its operands, defined once per layout and used at both
//! ends of the IR.
//!
//! A layout is a struct of typed operands ([`Slot`], [`Dst`], [`Offset`], [`Gas`], ...), each
//! placed in one of an [`Op`]'s fields ([`Field`]). The [`layouts!`] declaration of a layout is
//! the only place that says where its operands go: it gives the struct, the operand list the op
//! table prints and checks serialized code with ([`Layout::OPERANDS`]), the encoder the
//! translator builds ops with and the decoder handlers read them with. Nothing else reads or
//! writes an op's operand fields by name, except the table-driven code that reads every layout
//! the same way (`listing.rs`, `module::serial`). (The handler field is dispatch's; the
//! translator switches it only between handlers of one layout: [`Of::replace`], and
//! `handlers::CondBranch` for the forms of a branch.)
//!
//! A handler is a typed constant [`Of<L, D>`]: its code decodes layout `L` (and, for an op with
//! a data op after it, layout `D` from that op), and the translator can only build its op from
//! an `L` (`handlers::handler!` defines both from one mention of `L`). The op table takes the
//! constant, so each entry's operand list is the one its handler reads: a handler, its table
//! entry and the translator's constructor cannot disagree about a layout and still compile.
//!
//! Some rewrites the translator makes in place cross layouts by a convention the table checks
//! (`op_table`'s tests): a value-producing op's result slot is field `a` ([`result_slot`]), and
//! a branch's target is all of field `c` ([`set_target`], [`set_charged_target`]).

use core::marker::PhantomData;

use super::op_table::{Field, Kind, Trailer};
use super::{Handler, Op};

/// A typed operand: how it is stored in a field, and what it means ([`Kind`]).
pub(crate) trait Operand: Copy {
    /// What the operand means, which decides how listings print it.
    const KIND: Kind;
    /// Its bits, as a field stores them (a 32-bit field keeps the low half).
    fn to_bits(self) -> u64;
    /// The operand from a field's bits (a 32-bit field's zero-extended).
    fn from_bits(bits: u64) -> Self;
}

/// Defines 32-bit operand newtypes.
macro_rules! operands32 {
    ($($(#[$m:meta])* $name:ident => $kind:ident;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(transparent)]
        pub(crate) struct $name(pub u32);
        impl Operand for $name {
            const KIND: Kind = Kind::$kind;
            #[inline(always)]
            fn to_bits(self) -> u64 {
                u64::from(self.0)
            }
            #[inline(always)]
            fn from_bits(bits: u64) -> Self {
                Self(bits as u32)
            }
        }
    )*};
}

/// Defines 64-bit operand newtypes.
macro_rules! operands64 {
    ($($(#[$m:meta])* $name:ident => $kind:ident;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(transparent)]
        pub(crate) struct $name(pub u64);
        impl Operand for $name {
            const KIND: Kind = Kind::$kind;
            #[inline(always)]
            fn to_bits(self) -> u64 {
                self.0
            }
            #[inline(always)]
            fn from_bits(bits: u64) -> Self {
                Self(bits)
            }
        }
    )*};
}

operands32! {
    /// A frame slot the op writes.
    Dst => Dst;
    /// A frame slot the op reads.
    Slot => Slot;
    /// The slot of an operand the op reads from the accumulator instead (kept for listings).
    Acc => Acc;
    /// The slot where a callee's frame starts.
    Frame => Frame;
    /// Units of the stack budget.
    Stack => Stack;
    /// The number of `br_table` targets before the default.
    Targets => Targets;
    /// A global index.
    Global => Global;
    /// A function index of the module's function space.
    Func => Func;
    /// A defined function's index.
    DefinedFunc => DefinedFunc;
    /// A table index.
    Table => Table;
    /// An element segment index.
    Elem => Elem;
    /// A data segment index.
    Data => Data;
    /// An interned signature (`engine::SigId`).
    Sig => Sig;
    /// A constant shift or rotate amount.
    Shift => Shift;
    /// A constant divisor.
    Divisor => Divisor;
    /// The constant an address add folded into a load or store adds.
    AddImm => AddImm;
    /// The word of a branch site's direction bit among the store's reserved bits (`Cx::sites`).
    SiteWord => SiteWord;
    /// The charge for a change of a branch site's direction (`tally.branch`'s cost).
    SiteCost => Gas;
}

operands64! {
    /// A raw cell of a value whose type the op does not know (a constant, a stored value).
    Cell => Cell;
    /// A load's or store's static offset.
    Offset => Offset;
    /// The reciprocal of a constant divisor (`numeric::Reciprocal32`'s bits).
    Reciprocal => Reciprocal;
    /// A gas charge.
    Gas => Gas;
    /// The gas price per unit of a length-dependent charge.
    UnitPrice => UnitPrice;
    /// A branch site's direction bit in its word: one bit set.
    SiteMask => SiteMask;
}

/// A flag that listings do not show (an unlisted operand, see [`layouts!`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flag(pub bool);

impl Flag {
    /// The bits of a field that holds a flag: 1 when set.
    #[inline(always)]
    const fn bits(self) -> u64 {
        self.0 as u64
    }

    /// A flag from its field's bits: set when not 0.
    #[inline(always)]
    const fn from(bits: u64) -> Self {
        Self(bits != 0)
    }
}

/// The type of an immediate operand of a binary operator or comparison (its value as a cell):
/// [`I32`], [`I64`], [`F32`] or [`F64`].
pub(crate) trait ImmType: Copy {
    /// How listings print it.
    const KIND: Kind;
}

/// Defines the immediate types.
macro_rules! imm_types {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) struct $name;
        impl ImmType for $name {
            const KIND: Kind = Kind::$name;
        }
    )*};
}

imm_types! {
    /// An `i32` immediate (its bits in the low half of the cell).
    I32;
    /// An `i64` immediate.
    I64;
    /// An `f32` immediate (its bits in the low half of the cell).
    F32;
    /// An `f64` immediate.
    F64;
}

/// An immediate of type `T`, as a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Imm<T>(pub u64, PhantomData<T>);

impl<T> Imm<T> {
    /// The immediate whose cell is `cell`.
    #[inline(always)]
    pub(crate) const fn new(cell: u64) -> Self {
        Self(cell, PhantomData)
    }
}

impl<T: ImmType> Operand for Imm<T> {
    const KIND: Kind = T::KIND;
    #[inline(always)]
    fn to_bits(self) -> u64 {
        self.0
    }
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        Self::new(bits)
    }
}

/// A branch target: the offset, in ops, from the branch (or `br_table` entry) to its target, in
/// all of `c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Branch(pub u64);

impl Branch {
    /// A branch not yet linked to its target (its label patches it, [`set_target`]).
    pub(crate) const UNLINKED: Branch = Branch(0);

    /// The branch at op index `from` to op index `to`.
    #[inline(always)]
    pub(crate) const fn between(from: usize, to: usize) -> Branch {
        Branch((to as i64 - from as i64) as u64)
    }

    /// The offset, in ops.
    #[inline(always)]
    pub(crate) const fn offset(self) -> isize {
        self.0 as i64 as isize
    }
}

impl Operand for Branch {
    const KIND: Kind = Kind::Branch;
    #[inline(always)]
    fn to_bits(self) -> u64 {
        self.0
    }
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        Self(bits)
    }
}

/// The bit of a [`Charged`] branch's charge that says the branch also pays the memory-access
/// charge at its target ([`Charged::memory`]); charges a branch pays itself are below it.
pub(crate) const CHARGED_MEMORY: u32 = 1 << 31;

/// A branch that pays the `gas` op before its target (`handlers::control`'s `charged_branch`):
/// the offset in the low half of `c`, the charge in the high half, with [`CHARGED_MEMORY`] set
/// when it also pays the memory-access charge at its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Charged(pub u64);

impl Charged {
    /// The branch at op index `from` that pays `gas` and lands at op index `to` (`gas` may
    /// carry [`CHARGED_MEMORY`]).
    #[inline(always)]
    pub(crate) const fn between(from: usize, to: usize, gas: u32) -> Charged {
        Charged(Branch::between(from, to).0 as u32 as u64 | (gas as u64) << 32)
    }

    /// The offset, in ops.
    #[inline(always)]
    pub(crate) const fn offset(self) -> isize {
        self.0 as u32 as i32 as isize
    }

    /// The high half: the charge, with [`CHARGED_MEMORY`] if set (the charge alone when the
    /// form says it is clear).
    #[inline(always)]
    pub(crate) const fn high(self) -> u64 {
        self.0 >> 32
    }

    /// The charge the branch pays.
    #[inline(always)]
    pub(crate) const fn gas(self) -> u64 {
        ((self.0 >> 32) as u32 & !CHARGED_MEMORY) as u64
    }

    /// Whether the branch also pays the memory-access charge at its target.
    #[inline(always)]
    pub(crate) const fn memory(self) -> bool {
        (self.0 >> 32) as u32 & CHARGED_MEMORY != 0
    }

    /// The same branch, paying the memory-access charge at its target too.
    #[inline(always)]
    pub(crate) const fn with_memory(self) -> Charged {
        Charged(self.0 | (CHARGED_MEMORY as u64) << 32)
    }
}

impl Operand for Charged {
    const KIND: Kind = Kind::ChargedBranch;
    #[inline(always)]
    fn to_bits(self) -> u64 {
        self.0
    }
    #[inline(always)]
    fn from_bits(bits: u64) -> Self {
        Self(bits)
    }
}

/// An operand layout (defined by [`layouts!`]).
pub(crate) trait Layout: Copy {
    /// The operands listings print and serialized code is checked by, in print order.
    const OPERANDS: &'static [(Field, Kind)];
    /// The op of `handler` with these operands.
    fn encode(self, handler: Handler) -> Op;
    /// The operands of `op`, whose handler reads this layout.
    fn decode(op: &Op) -> Self;
}

/// What follows an op as its data ([`Trailer`]): nothing ([`NoData`]), one data op of a
/// layout, or `br_table`'s entries ([`BranchTable`]).
pub(crate) trait Trailing {
    /// The op table's trailer.
    const TRAILER: Trailer;
}

/// No data op follows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NoData;

impl Trailing for NoData {
    const TRAILER: Trailer = Trailer::None;
}

/// `br_table`'s entries follow: `targets + 1` data ops, each a [`Branch`] relative to itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BranchTable;

impl Trailing for BranchTable {
    const TRAILER: Trailer = Trailer::BranchTable;
}

impl BranchTable {
    /// The target of `entry`.
    #[inline(always)]
    pub(crate) fn target(entry: &Op) -> Branch {
        Branch(entry.c)
    }
}

impl<L: Layout> Of<L, BranchTable> {
    /// An entry of the table after this handler's op, not yet linked to its target
    /// ([`set_target`]).
    #[inline(always)]
    pub(crate) fn entry(self) -> Op {
        Op { h: super::handlers::unreachable.handler(), a: 0, b: 0, c: Branch::UNLINKED.0 }
    }
}

/// A handler that reads layout `L`, and `D` from the data op after it ([`Trailing`]). Defined with
/// its handler by `handlers::handler!`; the translator builds its ops with [`Of::op`].
pub(crate) struct Of<L, D = NoData> {
    handler: Handler,
    layout: PhantomData<fn() -> (L, D)>,
}

impl<L, D> Clone for Of<L, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L, D> Copy for Of<L, D> {}

impl<L: Layout, D> Of<L, D> {
    /// `handler`, which reads `L` (only `handlers::handler!` calls this).
    pub(crate) const fn new(handler: Handler) -> Self {
        Of { handler, layout: PhantomData }
    }

    /// The handler.
    #[inline(always)]
    pub(crate) const fn handler(self) -> Handler {
        self.handler
    }

    /// The op of this handler with `operands`.
    #[inline(always)]
    pub(crate) fn op(self, operands: L) -> Op {
        operands.encode(self.handler)
    }

    /// Whether `op` is an op of this handler.
    #[inline(always)]
    pub(crate) fn is(self, op: &Op) -> bool {
        op.h as usize == self.handler as usize
    }

    /// The operands of `op`, an op of this handler.
    #[inline(always)]
    pub(crate) fn operands(self, op: &Op) -> L {
        debug_assert!(self.is(op), "{op:?} is not an op of this handler");
        L::decode(op)
    }

    /// Makes `op`, an op of `from`, an op of this handler with the same operands: the two
    /// handlers read one layout.
    #[inline(always)]
    pub(crate) fn replace<E>(self, op: &mut Op, from: Of<L, E>) {
        debug_assert!(from.is(op), "{op:?} is not an op of the handler it is said to be");
        op.h = self.handler;
    }
}

impl<L: Layout, D: Layout> Of<L, D> {
    /// The data op that follows this handler's op, with `operands`.
    #[inline(always)]
    pub(crate) fn data(self, operands: D) -> Op {
        operands.encode(super::handlers::unreachable.handler())
    }

    /// The operands of `data`, the data op that follows an op of this handler.
    #[inline(always)]
    pub(crate) fn data_operands(self, data: &Op) -> D {
        D::decode(data)
    }
}

/// The result slot of `op`, an op that produces a value: every such op's layout has it in `a`.
#[inline(always)]
pub(crate) fn result_slot(op: &Op) -> u32 {
    op.a
}

/// Makes `op`, an op that produces a value, write its result to `slot` instead.
#[inline(always)]
pub(crate) fn set_result_slot(op: &mut Op, slot: u32) {
    op.a = slot;
}

/// Points `op`, a branch or `br_table` entry whose layout has a [`Branch`], at `target`: every
/// branch layout has its target in all of `c`.
#[inline(always)]
pub(crate) fn set_target(op: &mut Op, target: Branch) {
    op.c = target.0;
}

/// [`set_target`] for a branch whose layout has a [`Charged`] target (also in all of `c`).
#[inline(always)]
pub(crate) fn set_charged_target(op: &mut Op, target: Charged) {
    op.c = target.0;
}

/// The [`Charged`] target of `op`, a branch whose layout has one.
#[inline(always)]
pub(crate) fn charged_target(op: &Op) -> Charged {
    Charged(op.c)
}

/// Stores `bits` in field `$f` of op `$o` (whose fields start at 0).
macro_rules! put {
    ($o:ident, A, $bits:expr) => {
        $o.a = $bits as u32
    };
    ($o:ident, B, $bits:expr) => {
        $o.b = $bits as u32
    };
    ($o:ident, C, $bits:expr) => {
        $o.c = $bits
    };
    ($o:ident, CLo, $bits:expr) => {
        $o.c |= u64::from($bits as u32)
    };
    ($o:ident, CHi, $bits:expr) => {
        $o.c |= u64::from($bits as u32) << 32
    };
}

/// The bits of field `$f` of op `$o`.
macro_rules! get {
    ($o:ident, A) => {
        u64::from($o.a)
    };
    ($o:ident, B) => {
        u64::from($o.b)
    };
    ($o:ident, C) => {
        $o.c
    };
    ($o:ident, CLo) => {
        u64::from($o.c as u32)
    };
    ($o:ident, CHi) => {
        u64::from(($o.c >> 32) as u32)
    };
}

/// Defines layouts: `Name { operand @ Field: Type, ... }`, operands in the order listings print
/// them, then optionally `; unlisted flag @ Field`: a [`Flag`] the handlers read that
/// listings do not show and serialized code does not check (its field is stored as is).
/// A layout generic over `<T>` has an [`Imm<T>`] operand.
macro_rules! layouts {
    ($(
        $(#[$m:meta])*
        $name:ident $(<$t:ident>)? { $($field:ident @ $f:ident: $ty:ty),* $(; unlisted $($flag:ident @ $ff:ident),*)? }
    )*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) struct $name $(<$t>)? {
            $(pub $field: $ty,)*
            $($(pub $flag: Flag,)*)?
        }

        impl $(<$t: ImmType>)? Layout for $name $(<$t>)? {
            const OPERANDS: &'static [(Field, Kind)] = &[$((Field::$f, <$ty as Operand>::KIND)),*];

            #[inline(always)]
            fn encode(self, handler: Handler) -> Op {
                #[allow(unused_mut)]
                let mut op = Op { h: handler, a: 0, b: 0, c: 0 };
                $(put!(op, $f, Operand::to_bits(self.$field));)*
                $($(put!(op, $ff, self.$flag.bits());)*)?
                op
            }

            #[inline(always)]
            #[allow(unused_variables)]
            fn decode(op: &Op) -> Self {
                $name {
                    $($field: <$ty as Operand>::from_bits(get!(op, $f)),)*
                    $($($flag: Flag::from(get!(op, $ff)),)*)?
                }
            }
        }

        impl $(<$t: ImmType>)? Trailing for $name $(<$t>)? {
            const TRAILER: Trailer = Trailer::One(<Self as Layout>::OPERANDS);
        }
    )*};
}

layouts! {
    /// No operands.
    Nothing {}

    // ---- arithmetic ----
    /// A binary operator of two slots.
    DstSlotSlot { dst @ A: Dst, lhs @ B: Slot, rhs @ C: Slot }
    /// A binary operator of a slot and an immediate.
    DstSlotImm<T> { dst @ A: Dst, lhs @ B: Slot, rhs @ C: Imm<T> }
    /// A binary operator of an immediate and a slot (printed in that order).
    DstImmSlot<T> { dst @ A: Dst, lhs @ C: Imm<T>, rhs @ B: Slot }
    /// A binary operator of the accumulator and a slot.
    DstAccSlot { dst @ A: Dst, lhs @ B: Acc, rhs @ C: Slot }
    /// A binary operator of the accumulator and an immediate.
    DstAccImm<T> { dst @ A: Dst, lhs @ B: Acc, rhs @ C: Imm<T> }
    /// A unary operator of a slot (and `copy`).
    DstSlot { dst @ A: Dst, src @ B: Slot }
    /// A unary operator of the accumulator.
    DstAcc { dst @ A: Dst, src @ B: Acc }
    /// Division of a slot by a constant, by its reciprocal.
    DivConst { dst @ A: Dst, src @ B: Slot, by @ C: Reciprocal }
    /// [`DivConst`] of the accumulator.
    DivConstAcc { dst @ A: Dst, src @ B: Acc, by @ C: Reciprocal }
    /// The data op of a remainder by a constant: the divisor.
    DivisorData { divisor @ C: Divisor }
    /// `i32.wrap_i64` of a shift right of a slot by a constant.
    WrapShr { dst @ A: Dst, src @ B: Slot, k @ C: Shift }
    /// [`WrapShr`] of the accumulator.
    WrapShrAcc { dst @ A: Dst, src @ B: Acc, k @ C: Shift }
    /// A fused `i64` bit operation of slots `b` and `z` and a shift amount.
    BitShift { dst @ A: Dst, b @ B: Slot, z @ CLo: Slot, k @ CHi: Shift }
    /// [`BitShift`] with `b` in the accumulator.
    BitShiftB { dst @ A: Dst, b @ B: Acc, z @ CLo: Slot, k @ CHi: Shift }
    /// [`BitShift`] with `z` in the accumulator.
    BitShiftZ { dst @ A: Dst, b @ B: Slot, z @ CLo: Acc, k @ CHi: Shift }
    /// [`BitShift`] with `b` and `z`, one slot, in the accumulator.
    BitShiftBZ { dst @ A: Dst, b @ B: Acc, z @ CLo: Acc, k @ CHi: Shift }
    /// A fused `i64` bit operation of slots `b` and `z`.
    Bits { dst @ A: Dst, b @ B: Slot, z @ CLo: Slot }
    /// [`Bits`] with `b` in the accumulator.
    BitsB { dst @ A: Dst, b @ B: Acc, z @ CLo: Slot }
    /// [`Bits`] with `z` in the accumulator.
    BitsZ { dst @ A: Dst, b @ B: Slot, z @ CLo: Acc }
    /// An operation of three slots (`i64_xor_andn`, multiply-add).
    DstSlot3 { dst @ A: Dst, x @ B: Slot, y @ CLo: Slot, z @ CHi: Slot }

    // ---- branches ----
    /// `br_table`: the index slot and the number of targets before the default.
    BrTable { index @ A: Slot, targets @ B: Targets }
    /// A branch.
    Jump { target @ C: Branch }
    /// A branch paying the charge at its target.
    ChargedJump { target @ C: Charged }
    /// A branch on a slot.
    SlotBranch { x @ A: Slot, target @ C: Branch }
    /// [`SlotBranch`] paying the charge at its target.
    SlotCharged { x @ A: Slot, target @ C: Charged }
    /// A branch on a comparison of two slots.
    SlotSlotBranch { x @ A: Slot, y @ B: Slot, target @ C: Branch }
    /// [`SlotSlotBranch`] paying the charge at its target.
    SlotSlotCharged { x @ A: Slot, y @ B: Slot, target @ C: Charged }
    /// A branch on a comparison of a slot and an `i32` immediate (sign-extended for `i64`).
    SlotImmBranch { x @ A: Slot, y @ B: Imm<I32>, target @ C: Branch }
    /// [`SlotImmBranch`] paying the charge at its target.
    SlotImmCharged { x @ A: Slot, y @ B: Imm<I32>, target @ C: Charged }
    /// The data op of a conditional branch that is a `tally.branch` site: the site's direction
    /// bit (word and mask) and the charge for a change of direction.
    SiteData { word @ A: SiteWord, cost @ B: SiteCost, mask @ C: SiteMask }

    // ---- moves, constants, globals ----
    /// Two copies: `src` to `dst`, then `src2` to `dst2`.
    Copy2 { dst @ A: Dst, src @ B: Slot, dst2 @ CLo: Dst, src2 @ CHi: Slot }
    /// A constant to a slot.
    DstCell { dst @ A: Dst, value @ C: Cell }
    /// `select`: `if_true` if `cond` holds, else `if_false`.
    Select { dst @ A: Dst, cond @ B: Slot, if_true @ CLo: Slot, if_false @ CHi: Slot }
    /// `global.get`.
    DstGlobal { dst @ A: Dst, global @ B: Global }
    /// `global.set` of a slot.
    GlobalSlot { global @ A: Global, value @ B: Slot }
    /// `global.set` of the accumulator.
    GlobalAcc { global @ A: Global, value @ B: Acc }
    /// `global.set` of the accumulator to two globals.
    GlobalAcc2 { global @ A: Global, value @ B: Acc, global2 @ CLo: Global }
    /// `global.set` of the accumulator to three globals.
    GlobalAcc3 { global @ A: Global, value @ B: Acc, global2 @ CLo: Global, global3 @ CHi: Global }
    /// `global.set` of a constant.
    GlobalCell { global @ A: Global, value @ C: Cell }

    // ---- metering ----
    /// A charge; `gas_mem` (the flag set) pays the memory-access charge after it too.
    Charge { gas @ C: Gas; unlisted memory @ A }
    /// A length-dependent charge: the length's slot, and the price per unit.
    DstSlotPrice { dst @ A: Dst, len @ B: Slot, per @ C: UnitPrice }
    /// `tally.gas_len` of a constant length: the length immediate (an `i32`), then the price.
    DstLenPrice { dst @ A: Dst, len @ B: Imm<I32>, per @ C: UnitPrice }
    /// `tally.stack_enter`/`stack_leave`.
    StackUnits { units @ C: Stack }
    /// Function entry: the stack reservation and the entry charge; `enter_gas_mem` (the flag
    /// set) pays the memory-access charge after it too.
    Entry { stack @ A: Stack, gas @ C: Gas; unlisted memory @ B }

    // ---- calls and returns ----
    /// A call to a defined function.
    CallInternal { func @ A: DefinedFunc, frame @ B: Frame }
    /// A call to a function of the module's function space.
    CallFunc { func @ A: Func, frame @ B: Frame }
    /// `call_indirect`: the table, the index slot, the signature, the frame.
    CallIndirect { table @ A: Table, index @ CHi: Slot, sig @ CLo: Sig, frame @ B: Frame }
    /// A return of a slot.
    RetSlot { value @ B: Slot }
    /// A return of a constant.
    RetCell { value @ C: Cell }
    /// A return releasing stack units.
    Leave { stack @ A: Stack }
    /// A return of a slot releasing stack units.
    LeaveSlot { stack @ A: Stack, value @ B: Slot }
    /// A return of a constant releasing stack units.
    LeaveCell { stack @ A: Stack, value @ C: Cell }

    // ---- memory ----
    /// A load from a slot's address plus an offset.
    Load { dst @ A: Dst, addr @ B: Slot, offset @ C: Offset }
    /// [`Load`] from the accumulator's address.
    LoadAcc { dst @ A: Dst, addr @ B: Acc, offset @ C: Offset }
    /// A load with its address add fused: `(base + add) mod 2^32 + offset`.
    LoadAdd { dst @ A: Dst, base @ B: Slot, add @ CLo: AddImm, offset @ CHi: Offset }
    /// [`LoadAdd`] with the base in the accumulator.
    LoadAddAcc { dst @ A: Dst, base @ B: Acc, add @ CLo: AddImm, offset @ CHi: Offset }
    /// A store of a slot to a slot's address plus an offset.
    Store { addr @ A: Slot, value @ B: Slot, offset @ C: Offset }
    /// [`Store`] of the accumulator.
    StoreAcc { addr @ A: Slot, value @ B: Acc, offset @ C: Offset }
    /// [`Store`] of a constant.
    StoreImm { addr @ A: Slot, value @ C: Cell, offset @ B: Offset }
    /// A store with its address add fused.
    StoreAdd { base @ A: Slot, add @ CLo: AddImm, value @ B: Slot, offset @ CHi: Offset }
    /// [`StoreAdd`] of the accumulator.
    StoreAddAcc { base @ A: Slot, add @ CLo: AddImm, value @ B: Acc, offset @ CHi: Offset }
    /// [`StoreAdd`] of a constant (32 bits of it).
    StoreImmAdd { base @ A: Slot, add @ CLo: AddImm, value @ B: Cell, offset @ CHi: Offset }
    /// A result and nothing else (`memory.size`).
    DstOnly { dst @ A: Dst }
    /// `memory.size` charging the size times a price.
    DstPrice { dst @ A: Dst, per @ C: UnitPrice }
    /// `memory.fill` (`src` is the value) and `memory.copy`.
    MemoryBulk { dst @ A: Slot, src @ B: Slot, len @ C: Slot }
    /// `memory.init`.
    MemoryInit { dst @ A: Slot, src @ B: Slot, len @ CLo: Slot, data @ CHi: Data }
    /// `data.drop`.
    DataDrop { data @ A: Data }

    // ---- tables ----
    /// `table.get`.
    TableGet { dst @ A: Dst, index @ B: Slot, table @ C: Table }
    /// `table.set`.
    TableSet { index @ A: Slot, value @ B: Slot, table @ C: Table }
    /// `table.size`.
    TableSize { dst @ A: Dst, table @ C: Table }
    /// `table.grow`.
    TableGrow { dst @ A: Dst, init @ B: Slot, delta @ CLo: Slot, table @ CHi: Table }
    /// `table.fill`.
    TableFill { index @ A: Slot, value @ B: Slot, len @ CLo: Slot, table @ CHi: Table }
    /// `table.copy` and `table.init`; their tables follow in a data op.
    TableBulk { dst @ A: Slot, src @ B: Slot, len @ CLo: Slot }
    /// `table.copy`'s data op.
    TableCopyData { dst_table @ A: Table, src_table @ B: Table }
    /// `table.init`'s data op.
    TableInitData { table @ A: Table, elem @ B: Elem }
    /// `elem.drop`.
    ElemDrop { elem @ A: Elem }
    /// `ref.func`.
    RefFunc { dst @ A: Dst, func @ B: Func }
}

impl Copy2 {
    /// The first copy's slots, `(dst, src)`: fields `A` and `B`, read with one 64-bit load
    /// rather than two 32-bit ones (the second copy's, `c`, is one load already). A run of
    /// copies is bound by its loads: each copy is a load and a store of its value, and these.
    #[inline(always)]
    pub(crate) fn first(op: &Op) -> (Dst, Slot) {
        // SAFETY: `a` and `b` are adjacent `u32` fields of the `repr(C)` `Op` (no padding
        // between them), so the 8 bytes from `a` are both.
        let ab = unsafe { core::ptr::addr_of!(op.a).cast::<u64>().read_unaligned() };
        let (a, b) = if cfg!(target_endian = "little") {
            (ab as u32, (ab >> 32) as u32)
        } else {
            ((ab >> 32) as u32, ab as u32)
        };
        (Dst(a), Slot(b))
    }
}

/// A branch layout (its target a [`Branch`]) and its form that pays the charge at its target
/// (the same operands, the target a [`Charged`]): the layouts of a `handlers::BranchForms`.
pub(crate) trait Branching: Layout {
    /// The form paying the charge at its target.
    type Charged: Layout;
    /// The same branch in its paying form, to `target`.
    fn paying(self, target: Charged) -> Self::Charged;
}

impl Branching for Jump {
    type Charged = ChargedJump;
    #[inline(always)]
    fn paying(self, target: Charged) -> ChargedJump {
        ChargedJump { target }
    }
}

impl Branching for SlotBranch {
    type Charged = SlotCharged;
    #[inline(always)]
    fn paying(self, target: Charged) -> SlotCharged {
        SlotCharged { x: self.x, target }
    }
}

impl Branching for SlotSlotBranch {
    type Charged = SlotSlotCharged;
    #[inline(always)]
    fn paying(self, target: Charged) -> SlotSlotCharged {
        SlotSlotCharged { x: self.x, y: self.y, target }
    }
}

impl Branching for SlotImmBranch {
    type Charged = SlotImmCharged;
    #[inline(always)]
    fn paying(self, target: Charged) -> SlotImmCharged {
        SlotImmCharged { x: self.x, y: self.y, target }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some_handler() -> Handler {
        super::super::handlers::unreachable.handler()
    }

    /// Every operand comes back from the field its layout puts it in, and only from there.
    #[test]
    fn layouts_decode_what_they_encode() {
        let h = some_handler();
        let load = LoadAdd { dst: Dst(7), base: Slot(9), add: AddImm(0xdead_beef), offset: Offset(0x1234_5678) };
        let op = load.encode(h);
        assert_eq!((op.a, op.b, op.c), (7, 9, 0x1234_5678_dead_beef));
        assert_eq!(LoadAdd::decode(&op), load);

        let imm = DstImmSlot::<I64> { dst: Dst(1), lhs: Imm::new(u64::MAX - 1), rhs: Slot(2) };
        let op = imm.encode(h);
        assert_eq!((op.a, op.b, op.c), (1, 2, u64::MAX - 1));
        assert_eq!(DstImmSlot::decode(&op), imm);

        let call = CallIndirect { table: Table(3), index: Slot(4), sig: Sig(5), frame: Frame(6) };
        let op = call.encode(h);
        assert_eq!((op.a, op.b, op.c), (3, 6, 4 << 32 | 5));
        assert_eq!(CallIndirect::decode(&op), call);

        // Unlisted flags round-trip too, in their own fields.
        for memory in [false, true] {
            let charge = Charge { gas: Gas(u64::MAX), memory: Flag(memory) };
            let op = charge.encode(h);
            assert_eq!((op.a, op.b, op.c), (u32::from(memory), 0, u64::MAX));
            assert_eq!(Charge::decode(&op), charge);
            let entry = Entry { stack: Stack(11), gas: Gas(12), memory: Flag(memory) };
            let op = entry.encode(h);
            assert_eq!((op.a, op.b, op.c), (11, u32::from(memory), 12));
            assert_eq!(Entry::decode(&op), entry);
        }
        assert_eq!(Charge::OPERANDS, &[(Field::C, Kind::Gas)]);
    }

    /// A charged branch keeps its offset (negative too) and charge apart, and its memory flag.
    #[test]
    fn charged_targets_keep_offset_charge_and_memory_apart() {
        let back = Charged::between(10, 3, 77);
        assert_eq!((back.offset(), back.gas(), back.memory()), (-7, 77, false));
        let with = back.with_memory();
        assert_eq!((with.offset(), with.gas(), with.memory()), (-7, 77, true));
        assert_eq!(back.high(), 77);
        assert_eq!(Branch::between(10, 3).offset(), -7);
        assert_eq!(Branch::between(3, 10).offset(), 7);
    }

    /// A branch and its paying form differ only in their target's kind.
    #[test]
    fn paying_forms_differ_only_in_the_target() {
        fn check<P: Branching>() {
            let plain: Vec<(Field, Kind)> = P::OPERANDS
                .iter()
                .map(|&(f, k)| (f, if k == Kind::Branch { Kind::ChargedBranch } else { k }))
                .collect();
            assert_eq!(plain, P::Charged::OPERANDS);
        }
        check::<Jump>();
        check::<SlotBranch>();
        check::<SlotSlotBranch>();
        check::<SlotImmBranch>();
        let paid = SlotImmBranch { x: Slot(1), y: Imm::new(2), target: Branch::UNLINKED }.paying(Charged(9));
        assert_eq!(paid, SlotImmCharged { x: Slot(1), y: Imm::new(2), target: Charged(9) });
    }
}
