//! The reference semantics of `tally.branch`: the direction each conditional branch site went
//! last, and the charge for going the other way.
//!
//! A branch whose direction changes from its last run is one the hardware mispredicts, at a cost
//! (about 13 ns on the reference machine) that no static price of `br_if` covers without
//! overcharging every predicted branch of ordinary code. Charging a change instead prices a
//! random branch and leaves a steady one cheap.

use std::collections::BTreeSet;

use super::{Meter, MeterTrap};

/// One direction bit per branch site, all "not taken" at first: the state `tally.branch` reads
/// and updates. An engine keeps one per store (the context of one contract call: every call
/// starts with every site not taken) and passes it with the store's [`Meter`].
///
/// Sites are the `i32` site argument read as `u32`. The sites below the number an engine
/// [`reserve`](BranchSites::reserve)s (the injector numbers a module's sites 0, 1, 2, …, so an
/// engine reserves as many as the module has) are a bit each, and `branch` on them never
/// allocates; any other site that is taken is an entry in a set, added only by a change, which is
/// charged. No site number makes anything allocate in proportion to it.
///
/// ```
/// use tally_profile::metering::{BranchSites, Meter, MeterTrap};
///
/// let mut meter = Meter::new(100, 0);
/// let mut sites = BranchSites::new();
/// assert_eq!(sites.branch(&mut meter, 0, 7, 30)?, 0); // not taken, as before: free
/// assert_eq!(sites.branch(&mut meter, 5, 7, 30)?, 5); // taken: a change
/// assert_eq!(sites.branch(&mut meter, 1, 7, 30)?, 1); // taken again: free
/// assert_eq!(sites.branch(&mut meter, 1, 8, 30)?, 1); // another site: its own bit
/// assert_eq!(meter.remaining(), 40);
/// assert_eq!(sites.branch(&mut meter, 0, 7, 50), Err(MeterTrap::OutOfGas));
/// assert!(sites.taken(7)); // a change it could not pay for did not happen
/// # Ok::<(), MeterTrap>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BranchSites {
    /// Bit `s % 64` of word `s / 64` is site `s`'s last direction (1 = taken), for the reserved
    /// sites.
    dense: Vec<u64>,
    /// The other sites whose last direction was taken.
    sparse: BTreeSet<u32>,
}

impl BranchSites {
    /// Every site not taken, nothing allocated.
    pub const fn new() -> Self {
        Self { dense: Vec::new(), sparse: BTreeSet::new() }
    }

    /// Holds a bit for every site below `sites`, so that `branch` on them never allocates. Takes
    /// `sites / 8` bytes, rounded up to 8; a site's direction stays what it was.
    pub fn reserve(&mut self, sites: u32) {
        let words = (sites as usize).div_ceil(64);
        let old = self.dense.len();
        if old < words {
            self.dense.resize(words, 0);
            let first = old as u64 * 64;
            let moved: Vec<u32> = self
                .sparse
                .range(first as u32..)
                .take_while(|&&s| Self::dense_place(s, words).is_some())
                .copied()
                .collect();
            for site in moved {
                self.sparse.remove(&site);
                self.flip(site);
            }
        }
    }

    /// The number of sites held as bits.
    pub fn reserved(&self) -> u64 {
        self.dense.len() as u64 * 64
    }

    /// The reserved sites' bits, in place: site `s` below [`reserved`](BranchSites::reserved) is
    /// bit `s % 64` of word `s / 64`, 1 when taken. For an engine that tests and flips them
    /// itself (as `tally-vm`'s translated branches do), with the semantics of
    /// [`branch`](BranchSites::branch); the words move only on a `reserve` that adds some.
    pub fn words_mut(&mut self) -> &mut [u64] {
        &mut self.dense
    }

    /// Sets every site back to not taken, keeping the reserved bits' memory.
    pub fn clear(&mut self) {
        self.dense.fill(0);
        self.sparse.clear();
    }

    /// Whether `site` went the taken way last time.
    pub fn taken(&self, site: u32) -> bool {
        match Self::dense_place(site, self.dense.len()) {
            Some((word, bit)) => self.dense[word] >> bit & 1 == 1,
            None => self.sparse.contains(&site),
        }
    }

    /// `tally.branch(cond, site, cost)`: the branch at `site` goes the taken way when `cond` is
    /// nonzero (a `br_if` branches, an `if` runs its then-arm). If that differs from the site's
    /// last direction, charges `cost` through [`Meter::gas`] and records the new direction; a
    /// charge that traps records nothing. Returns `cond`.
    #[inline]
    pub fn branch(&mut self, meter: &mut Meter, cond: u32, site: u32, cost: u64) -> Result<u32, MeterTrap> {
        let now = cond != 0;
        if self.taken(site) != now {
            meter.gas(cost)?;
            self.flip(site);
        }
        Ok(cond)
    }

    /// Reverses `site`'s direction.
    fn flip(&mut self, site: u32) {
        match Self::dense_place(site, self.dense.len()) {
            Some((word, bit)) => self.dense[word] ^= 1 << bit,
            None => {
                if !self.sparse.remove(&site) {
                    self.sparse.insert(site);
                }
            }
        }
    }

    /// Word and bit of `site` among `words` reserved words, if it is reserved.
    fn dense_place(site: u32, words: usize) -> Option<(usize, u32)> {
        let word = (site / 64) as usize;
        (word < words).then_some((word, site % 64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loop's back edge changes twice a loop (in and out); a random site about every other run.
    #[test]
    fn changes_are_charged_and_steady_runs_are_free() {
        let mut meter = Meter::new(u64::MAX, 0);
        let mut sites = BranchSites::new();
        for cond in [1, 1, 1, 0] {
            sites.branch(&mut meter, cond, 3, 10).unwrap();
        }
        assert_eq!(u64::MAX - meter.remaining(), 20);
        for cond in [0, 1, 0, 1] {
            sites.branch(&mut meter, cond, 200, 1).unwrap();
        }
        assert_eq!(u64::MAX - meter.remaining(), 23, "the first 0 is no change");
        assert!(sites.taken(200) && !sites.taken(3) && !sites.taken(u32::MAX));
    }

    #[test]
    fn reserve_and_clear_keep_the_semantics() {
        let mut meter = Meter::new(1000, 0);
        let mut sites = BranchSites::new();
        sites.reserve(65);
        assert_eq!(sites.reserved(), 128);
        sites.branch(&mut meter, u32::MAX, 64, 1).unwrap();
        assert!(sites.taken(64));
        sites.reserve(10);
        assert!(sites.taken(64), "reserving fewer sites keeps the bits");
        sites.clear();
        assert!(!sites.taken(64));
        assert_eq!(sites.reserved(), 128);
        sites.branch(&mut meter, 1, 64, 1).unwrap();
        assert_eq!(meter.remaining(), 998);
    }

    /// Sites beyond the reserved ones behave the same, and reserving them later keeps their
    /// directions.
    #[test]
    fn unreserved_sites_are_a_set_of_the_taken_ones() {
        let mut meter = Meter::new(1000, 0);
        let mut sites = BranchSites::new();
        for site in [u32::MAX, 5, 130, 131] {
            sites.branch(&mut meter, 1, site, 1).unwrap();
        }
        sites.branch(&mut meter, 0, 131, 1).unwrap();
        assert_eq!(meter.remaining(), 995);
        assert_eq!(sites.sparse.len(), 3, "a site back to not taken leaves the set");
        sites.reserve(131);
        assert_eq!(sites.reserved(), 192);
        assert_eq!(sites.sparse.iter().copied().collect::<Vec<_>>(), [u32::MAX]);
        assert!(sites.taken(5) && sites.taken(130) && !sites.taken(131) && sites.taken(u32::MAX));
        assert!(!sites.taken(4) && !sites.taken(u32::MAX - 1));
    }

    #[test]
    fn an_unpaid_change_is_not_recorded() {
        let mut meter = Meter::new(5, 0);
        let mut sites = BranchSites::new();
        assert_eq!(sites.branch(&mut meter, 1, 0, 6), Err(MeterTrap::OutOfGas));
        assert_eq!(meter.remaining(), 0);
        assert!(!sites.taken(0));
        assert_eq!(sites.branch(&mut meter, 0, 0, 6), Ok(0), "no change costs nothing, even out of gas");
    }
}
