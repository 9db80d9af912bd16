//! A contract that exercises the SDK itself: every host wrapper, view write rejection, panics,
//! large storage values, the allocator, `U256` arguments, returns and storage, a call by a name known at run time, the options of a
//! typed reference. Used by the SDK's tests; it has no `#[init]`.
#![no_std]

extern crate alloc;

/// The probe contract.
#[tally_sdk::contract]
pub mod probe {
    use callee::callee::CalleeRef;
    use tally_sdk::prelude::*;

    /// Scratch state.
    #[storage]
    pub struct Probe {
        #[prefix = "b"]
        blob: Item<Vec<u8>>,
        #[prefix = "n"]
        numbers: Map<u32, u64>,
        #[prefix = "w"]
        wide: Item<U256>,
    }

    /// Emitted by `ping`.
    #[derive(Debug, PartialEq, Eq)]
    #[event(anonymous)]
    pub struct Pinged {
        #[topic]
        pub a: u8,
        #[topic]
        pub b: u16,
        #[topic]
        pub c: u32,
        #[topic]
        pub long: Vec<u8>,
    }

    /// Everything the execution context tells a contract.
    #[derive(Debug, PartialEq, Eq, Encode, Decode)]
    pub struct Context {
        /// `block_height`.
        pub height: u64,
        /// `block_time`.
        pub time: u64,
        /// `chain_id`.
        pub chain_id: u64,
        /// `caller`.
        pub caller: Address,
        /// `self_address`.
        pub this: Address,
        /// `origin`.
        pub origin: Address,
    }

    impl Probe {
        /// The execution context.
        #[view]
        pub fn context(&self) -> Context {
            Context {
                height: env::block_height(),
                time: env::block_time(),
                chain_id: env::chain_id(),
                caller: env::caller(),
                this: env::self_address(),
                origin: env::origin(),
            }
        }

        /// Gas left, twice (the second is smaller).
        #[view]
        pub fn gas(&self) -> (u64, u64) {
            (env::gas_left(), env::gas_left())
        }

        /// The host's Keccak-256 of `data` and the SDK's compile-time one.
        #[view]
        pub fn hash(&self, data: Vec<u8>) -> ([u8; 32], [u8; 32]) {
            (env::keccak256(&data), tally_sdk::selector::const_keccak256(&data))
        }

        /// A view that writes: aborts with `WRITE_IN_VIEW`.
        #[view]
        pub fn sneaky_write(&self) {
            env::storage_set(b"x", b"y");
        }

        /// A view that emits: aborts with `WRITE_IN_VIEW`.
        #[view]
        pub fn sneaky_event(&self) {
            env::emit_event(&[], b"");
        }

        /// Panics when `divisor` is zero.
        #[call]
        pub fn divide(&mut self, a: u32, divisor: u32) -> u32 {
            self.numbers.insert(&0, &1);
            a / divisor
        }

        /// Aborts with `code`.
        #[call]
        pub fn abort_with(&mut self, code: u32) {
            env::abort(code)
        }

        /// Stores a blob of `len` bytes (`i as u8` at index `i`).
        #[call]
        pub fn store_blob(&mut self, len: u32) {
            let blob: Vec<u8> = (0..len).map(|i| i as u8).collect();
            self.blob.set(&blob);
        }

        /// The stored blob's length and byte sum, and whether it exists.
        #[view]
        pub fn blob_info(&self) -> (bool, u32, u64) {
            let exists = self.blob.exists();
            let blob = self.blob.get().unwrap_or_default();
            (exists, blob.len() as u32, blob.iter().map(|b| u64::from(*b)).sum())
        }

        /// Removes the blob.
        #[call]
        pub fn clear_blob(&mut self) {
            self.blob.remove();
        }

        /// `numbers[k] = v`, returning whether `k` was present.
        #[call]
        pub fn put(&mut self, k: u32, v: u64) -> bool {
            let had = self.numbers.contains(&k);
            self.numbers.insert(&k, &v);
            had
        }

        /// `numbers[k]`.
        #[view]
        pub fn get(&self, k: u32) -> Option<u64> {
            self.numbers.get(&k)
        }

        /// `a · b / c` at full width, rounded down (or up when `up`), stored and returned;
        /// `None` (nothing stored) when `c` is zero or the quotient needs more than 256 bits.
        #[call]
        pub fn store_mul_div(&mut self, a: U256, b: U256, c: U256, up: bool) -> Option<U256> {
            let q = if up { a.mul_div_ceil(b, c) } else { a.mul_div(b, c) };
            if let Some(q) = q {
                self.wide.set(&q);
            }
            q
        }

        /// What `store_mul_div` stored last.
        #[view]
        pub fn wide(&self) -> Option<U256> {
            self.wide.get()
        }

        /// Removes `numbers[k]`.
        #[call]
        pub fn del(&mut self, k: u32) {
            self.numbers.remove(&k);
        }

        /// Allocates `kib` KiB in 1 KiB vectors kept alive, plus one growing vector; returns a
        /// checksum. Exercises the allocator's growth of memory.
        #[view]
        pub fn allocate(&self, kib: u32) -> u64 {
            let mut keep: Vec<Vec<u8>> = Vec::new();
            let mut grow: Vec<u32> = Vec::new();
            for i in 0..kib {
                keep.push(vec![i as u8; 1024]);
                grow.push(i);
            }
            keep.iter().map(|v| u64::from(v[1023])).sum::<u64>() + grow.iter().map(|v| u64::from(*v)).sum::<u64>()
        }

        /// Emits `Pinged` and logs `message`.
        #[call]
        pub fn ping(&mut self, message: String) {
            env::debug_log(&message);
            emit(&Pinged { a: 1, b: 2, c: 3, long: vec![9; 40] });
        }

        /// Calls method `method` of `target` with the SCALE-encoded `args`, the method's name only
        /// known at run time (so `CallBuilder::new` asks the host to hash it); returns the raw
        /// return data.
        #[call]
        pub fn call_named(&mut self, target: Address, method: String, args: Vec<u8>) -> Result<Vec<u8>, CallError> {
            CallBuilder::new(target, &method).input(&args).call_raw()
        }

        /// Calls `callee.bump(by)` through its typed reference with the reference's options: at
        /// most `gas`, and read-only if asked (then the callee's write traps).
        #[call]
        pub fn ref_bump(&mut self, callee: Address, by: u64, gas: u64, read_only: bool) -> Result<u64, CallError> {
            let callee = CalleeRef::at(callee).gas(gas);
            let callee = if read_only { callee.read_only() } else { callee };
            callee.bump(by)
        }

        /// Reads `get(k)` of this contract through its own typed reference: a re-entry, denied
        /// unless `allow_reentry`.
        #[call]
        pub fn self_get(&mut self, k: u32, allow_reentry: bool) -> Result<Option<u64>, CallError> {
            let me = ProbeRef::at(env::self_address());
            let me = if allow_reentry { me.allow_reentry() } else { me };
            me.get(k)
        }

        /// Writes `k`, then executes a Wasm `unreachable` in a helper function: a trap (not an
        /// abort), which rolls the write back. Trap reports name the helper.
        #[call]
        pub fn trap(&mut self, k: u32) {
            self.numbers.insert(&k, &1);
            crash()
        }
    }

    /// Traps with `unreachable`; never inlined, so trap reports name it.
    #[inline(never)]
    fn crash() -> ! {
        #[cfg(target_arch = "wasm32")]
        core::arch::wasm32::unreachable();
        #[cfg(not(target_arch = "wasm32"))]
        unreachable!("crash")
    }
}
