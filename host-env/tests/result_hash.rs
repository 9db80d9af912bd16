//! The result hash is Keccak-256 of the result preimage's plain SCALE encoding, however the
//! hasher is fed (`ResultPreimage::hash` gathers SCALE's small writes in a buffer first).

use parity_scale_codec::Encode;
use tally_host_env::receipt::{ResultPreimage, RESULT_HASH_TAG};
use tally_host_env::{keccak, Address, BlockContext, Event, Status};

/// Bytes `ResultPreimage::hash` buffers (`receipt.rs`): the sizes below straddle it.
const HASH_BUFFER: usize = 1024;

/// The buffered hash is the hash of the plain encoding, across the buffer's edges: pieces
/// smaller than, equal to and larger than the buffer, landing at every offset.
#[test]
fn buffered_hash_is_the_plain_encodings_hash() {
    let context = BlockContext::default();
    for data_len in [0, 1, 135, 136, 700, HASH_BUFFER - 1, HASH_BUFFER, HASH_BUFFER + 1, 3 * HASH_BUFFER + 7] {
        let events: Vec<Event> = (0..3)
            .map(|i| Event {
                contract: Address([i; 32]),
                topics: vec![[i ^ 0x5a; 32]; usize::from(i)],
                data: (0..data_len).map(|b| b as u8).collect(),
            })
            .collect();
        let write_set: Vec<(Vec<u8>, Option<Vec<u8>>)> =
            (0..4u8).map(|i| (vec![i; data_len / 3 + 1], (i % 2 == 0).then(|| vec![i; data_len]))).collect();
        let input = vec![7u8; data_len / 2];
        let preimage = ResultPreimage {
            tag: RESULT_HASH_TAG,
            params_hash: [1; 32],
            code_hash: [2; 32],
            contract: Address([3; 32]),
            caller: Address([4; 32]),
            entry: "transfer",
            input: &input,
            context: &context,
            gas_limit: 1_000_000,
            status: Status::Ok,
            return_data: &input,
            gas_used: 12_345,
            events: &events,
            write_set: &write_set,
        };
        assert_eq!(preimage.hash(), keccak(&preimage.encode()), "data length {data_len}");
    }
}
