//! The address index: the `u128` address space cut into sorted, disjoint segments, each
//! listing every observation that covers it. Looking an address up is one binary
//! search, and overlapping observations (from one location or several) all come back.

use crate::values::address::AddressSet;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default)]
pub struct AddressIndex {
    /// Segment `i` covers `starts[i] ..= starts[i + 1] - 1` (the last one runs to `u128::MAX`).
    starts: Vec<u128>,
    /// Observations of segment `i`: `observations[list_start[i]..list_start[i + 1]]`.
    list_start: Vec<u32>,
    observations: Vec<u32>,
}

impl AddressIndex {
    /// Build from each observation's address set; observation ids are positions in `sets`.
    pub fn build(sets: &[AddressSet]) -> Self {
        // A sweep over the set edges: +id where a set begins, -id one past where it ends.
        let mut edges: Vec<(u128, bool, u32)> = Vec::with_capacity(sets.len() * 2);
        for (id, set) in sets.iter().enumerate() {
            edges.push((set.first, true, id as u32));
            if set.last < u128::MAX {
                edges.push((set.last + 1, false, id as u32));
            }
        }
        edges.sort_unstable();
        let mut index = AddressIndex {
            list_start: vec![0],
            ..Default::default()
        };
        let mut active = BTreeSet::new();
        let mut i = 0;
        while i < edges.len() {
            let at = edges[i].0;
            while i < edges.len() && edges[i].0 == at {
                let (_, begins, id) = edges[i];
                if begins {
                    active.insert(id);
                } else {
                    active.remove(&id);
                }
                i += 1;
            }
            index.starts.push(at);
            index.observations.extend(active.iter().copied());
            index.list_start.push(index.observations.len() as u32);
        }
        index
    }

    /// Every observation whose address set contains `addr`, in id order.
    pub fn lookup(&self, addr: u128) -> &[u32] {
        let after = self.starts.partition_point(|&s| s <= addr);
        if after == 0 {
            return &[];
        }
        let segment = after - 1;
        &self.observations[self.list_start[segment] as usize..self.list_start[segment + 1] as usize]
    }

    pub fn segment_count(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(first: u128, last: u128) -> AddressSet {
        AddressSet { first, last }
    }

    #[test]
    fn overlapping_sets_all_match() {
        let index = AddressIndex::build(&[set(10, 20), set(15, 30), set(15, 15), set(40, 50)]);
        assert_eq!(index.lookup(9), &[] as &[u32]);
        assert_eq!(index.lookup(10), &[0]);
        assert_eq!(index.lookup(15), &[0, 1, 2]);
        assert_eq!(index.lookup(16), &[0, 1]);
        assert_eq!(index.lookup(21), &[1]);
        assert_eq!(index.lookup(35), &[] as &[u32]);
        assert_eq!(index.lookup(50), &[3]);
        assert_eq!(index.lookup(51), &[] as &[u32]);
    }

    #[test]
    fn edges_of_the_space() {
        let index = AddressIndex::build(&[set(0, 0), set(u128::MAX - 1, u128::MAX)]);
        assert_eq!(index.lookup(0), &[0]);
        assert_eq!(index.lookup(1), &[] as &[u32]);
        assert_eq!(index.lookup(u128::MAX), &[1]);
        assert!(AddressIndex::build(&[]).lookup(5).is_empty());
    }
}
