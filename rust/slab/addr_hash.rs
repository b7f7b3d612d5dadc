// SPDX-License-Identifier: GPL-2.0

//! A hash table keyed by address, for emergency objects: O(1) insert and
//! remove however many there are (a stall can make thousands).
//!
//! It never allocates on its own: nodes are allocated by the caller before
//! it takes its lock, and the bucket array grows only when the caller hands
//! a new one in ([`AddrHash::wants_buckets`], [`AddrHash::rehash`]).

use kernel::{
    alloc::{AllocError, Flags},
    prelude::*,
};

/// One entry, allocated by the caller.
pub(crate) struct HashNode<V> {
    key: usize,
    value: V,
    next: Option<KBox<HashNode<V>>>,
}

impl<V> HashNode<V> {
    /// A node, for the caller to box.
    pub(crate) fn new(key: usize, value: V) -> Self {
        Self {
            key,
            value,
            next: None,
        }
    }
}

type Bucket<V> = Option<KBox<HashNode<V>>>;

/// The table.
///
/// # Invariants
///
/// `buckets.len()` is zero or a power of two; `len` counts the nodes.
pub(crate) struct AddrHash<V> {
    buckets: KVec<Bucket<V>>,
    len: usize,
}

/// The load factor past which the table asks for more buckets.
const MAX_LOAD: usize = 2;

impl<V> AddrHash<V> {
    pub(crate) const fn new() -> Self {
        Self {
            buckets: KVec::new(),
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    fn index(&self, key: usize) -> usize {
        // Fibonacci hashing: objects are aligned, so mix the high bits in.
        let h = (key as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> (64 - self.buckets.len().trailing_zeros())) as usize
    }

    /// How many buckets the table wants before its next insert, if more.
    pub(crate) fn wants_buckets(&self) -> Option<usize> {
        let n = self.buckets.len();
        if n == 0 {
            Some(64)
        } else if self.len + 1 > n * MAX_LOAD {
            Some(n * 2)
        } else {
            None
        }
    }

    /// An empty bucket array of `n` buckets, for [`Self::rehash`].
    pub(crate) fn new_buckets(n: usize, flags: Flags) -> Result<KVec<Bucket<V>>, AllocError> {
        let mut v = KVec::with_capacity(n, flags)?;
        for _ in 0..n {
            v.push(None, flags)?;
        }
        Ok(v)
    }

    /// Moves every node into `buckets` (empty, a power of two long) and
    /// returns the old array, to be dropped outside the caller's lock.
    pub(crate) fn rehash(&mut self, buckets: KVec<Bucket<V>>) -> KVec<Bucket<V>> {
        if !buckets.len().is_power_of_two() || buckets.len() < self.buckets.len() {
            return buckets;
        }
        let mut old = core::mem::replace(&mut self.buckets, buckets);
        for slot in old.iter_mut() {
            let mut chain = slot.take();
            while let Some(mut node) = chain {
                chain = node.next.take();
                self.link(node);
            }
        }
        old
    }

    fn link(&mut self, mut node: KBox<HashNode<V>>) {
        let i = self.index(node.key);
        node.next = self.buckets[i].take();
        self.buckets[i] = Some(node);
    }

    /// Inserts `node`. Returns it back if the table has no bucket yet.
    pub(crate) fn insert(&mut self, node: KBox<HashNode<V>>) -> Result<(), KBox<HashNode<V>>> {
        if self.buckets.is_empty() {
            return Err(node);
        }
        self.link(node);
        self.len += 1;
        Ok(())
    }

    /// Removes and returns the entry of `key`.
    pub(crate) fn remove(&mut self, key: usize) -> Option<KBox<HashNode<V>>> {
        self.remove_if(key, |_| true)
    }

    /// Shows `take` the value of `key`'s entry, which it may change, and
    /// removes and returns the entry if `take` says so: one walk of the
    /// chain where a lookup and a removal would take two.
    pub(crate) fn remove_if(
        &mut self,
        key: usize,
        take: impl FnOnce(&mut V) -> bool,
    ) -> Option<KBox<HashNode<V>>> {
        if self.buckets.is_empty() {
            return None;
        }
        let i = self.index(key);
        let mut cur = &mut self.buckets[i];
        loop {
            match cur {
                None => return None,
                Some(node) if node.key == key => {
                    if !take(&mut node.value) {
                        return None;
                    }
                    let mut node = cur.take()?;
                    *cur = node.next.take();
                    self.len -= 1;
                    return Some(node);
                }
                Some(node) => cur = &mut node.next,
            }
        }
    }

    /// The value of `key`'s entry.
    pub(crate) fn get_mut(&mut self, key: usize) -> Option<&mut V> {
        if self.buckets.is_empty() {
            return None;
        }
        let i = self.index(key);
        let mut cur = self.buckets[i].as_deref_mut();
        while let Some(node) = cur {
            if node.key == key {
                return Some(&mut node.value);
            }
            cur = node.next.as_deref_mut();
        }
        None
    }

    /// Calls `f` on each entry's key and value, until it returns false.
    pub(crate) fn visit_mut(&mut self, mut f: impl FnMut(usize, &mut V) -> bool) {
        for bucket in self.buckets.iter_mut() {
            let mut cur = bucket.as_deref_mut();
            while let Some(node) = cur {
                if !f(node.key, &mut node.value) {
                    return;
                }
                cur = node.next.as_deref_mut();
            }
        }
    }

    /// Removes one entry, any; for emptying the table.
    pub(crate) fn pop_any(&mut self) -> Option<KBox<HashNode<V>>> {
        let slot = self.buckets.iter_mut().find(|b| b.is_some())?;
        let mut node = slot.take()?;
        *slot = node.next.take();
        self.len -= 1;
        Some(node)
    }
}

impl<V> HashNode<V> {
    pub(crate) fn into_value(self: KBox<Self>) -> V {
        KBox::into_inner(self).value
    }
}

impl<V> Drop for AddrHash<V> {
    fn drop(&mut self) {
        // Unlink chains one node at a time: a recursive drop of a long
        // chain could overflow the kernel stack.
        while self.pop_any().is_some() {}
    }
}

#[cfg(CONFIG_KUNIT)]
mod tests {
    use super::{AddrHash, HashNode};
    use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, Test};
    use kernel::{alloc::flags::GFP_KERNEL, prelude::*};

    /// Inserts an entry for each key (value: three times the key), giving
    /// the table the buckets it asks for first, as the cache does.
    fn insert_all(
        t: &mut Test,
        h: &mut AddrHash<usize>,
        keys: impl Iterator<Item = usize>,
    ) -> CaseResult {
        for key in keys {
            if let Some(n) = h.wants_buckets() {
                let buckets = AddrHash::new_buckets(n, GFP_KERNEL).map_err(|_| Failed)?;
                drop(h.rehash(buckets));
            }
            let node = KBox::new(HashNode::new(key, key * 3), GFP_KERNEL).map_err(|_| Failed)?;
            kassert!(t, h.insert(node).is_ok(), "key {key:#x}");
        }
        Ok(())
    }

    /// A table without buckets refuses an insert (it never allocates on
    /// its own) and asks for its first 64.
    fn without_buckets_nothing_goes_in(t: &mut Test) -> CaseResult {
        let mut h = AddrHash::<usize>::new();
        let node = KBox::new(HashNode::new(0x1000, 1), GFP_KERNEL).map_err(|_| Failed)?;
        kassert!(t, h.insert(node).is_err());
        kassert_eq!(t, h.wants_buckets(), Some(64));
        kassert!(t, h.remove(0x1000).is_none());
        kassert!(t, h.pop_any().is_none());
        kassert_eq!(t, h.len(), 0);
        Ok(())
    }

    /// Every key of many, page-aligned as objects are, comes back once
    /// with its value, across the rehashes that growing took.
    fn every_key_comes_back_once(t: &mut Test) -> CaseResult {
        let mut h = AddrHash::new();
        insert_all(t, &mut h, (1..=1000).map(|i| i << 12))?;
        kassert_eq!(t, h.len(), 1000);
        for i in (1..=1000).rev() {
            let key = i << 12;
            let node = h.remove(key);
            kassert!(t, node.is_some(), "key {key:#x} lost");
            kassert_eq!(t, node.map(|n| n.into_value()), Some(key * 3));
            kassert!(t, h.remove(key).is_none(), "key {key:#x} twice");
        }
        kassert_eq!(t, h.len(), 0);
        Ok(())
    }

    /// The load stays at most two entries a bucket: the table asks for
    /// twice its buckets before an insert would pass it.
    fn asks_to_grow_at_two_a_bucket(t: &mut Test) -> CaseResult {
        let mut h = AddrHash::new();
        insert_all(t, &mut h, (1..=128).map(|i| i << 6))?;
        kassert_eq!(t, h.wants_buckets(), Some(128));
        Ok(())
    }

    /// A rehash into an array that is smaller or not a power of two is
    /// refused (the array comes back), and the entries stay.
    fn refuses_a_bad_rehash(t: &mut Test) -> CaseResult {
        let mut h = AddrHash::new();
        insert_all(t, &mut h, (1..=10).map(|i| i << 12))?;
        for n in [32, 100] {
            let buckets = AddrHash::new_buckets(n, GFP_KERNEL).map_err(|_| Failed)?;
            kassert_eq!(t, h.rehash(buckets).len(), n);
        }
        kassert!(t, h.remove(5 << 12).is_some());
        kassert_eq!(t, h.len(), 9);
        Ok(())
    }

    /// `pop_any` empties the table, one entry at a time.
    fn pop_any_empties_it(t: &mut Test) -> CaseResult {
        let mut h = AddrHash::new();
        insert_all(t, &mut h, (1..=300).map(|i| i << 12))?;
        let mut sum = 0;
        while let Some(node) = h.pop_any() {
            sum += node.into_value() / 3;
        }
        kassert_eq!(t, h.len(), 0);
        kassert_eq!(t, sum, (1..=300).map(|i| i << 12).sum::<usize>());
        Ok(())
    }

    /// `get_mut` finds each entry and changes it in place; `visit_mut`
    /// sees each entry once and stops when told.
    fn get_and_visit_each_entry(t: &mut Test) -> CaseResult {
        let mut h = AddrHash::new();
        insert_all(t, &mut h, (1..=100).map(|i| i << 12))?;
        kassert!(t, h.get_mut(7).is_none());
        if let Some(v) = h.get_mut(7 << 12) {
            *v = 1;
        }
        let (mut seen, mut sum) = (0, 0);
        h.visit_mut(|key, v| {
            seen += 1;
            sum += if key == 7 << 12 { *v } else { *v / 3 };
            true
        });
        let keys: usize = (1..=100).map(|i| i << 12).sum();
        kassert_eq!(t, (seen, sum), (100, keys - (7 << 12) + 1));
        let mut visits = 0;
        h.visit_mut(|_, _| {
            visits += 1;
            visits < 10
        });
        kassert_eq!(t, visits, 10);
        Ok(())
    }

    /// `remove_if` leaves the entry, changed, when told to keep it, and
    /// removes it when told to take it; a key not there is never shown.
    fn remove_if_keeps_or_takes(t: &mut Test) -> CaseResult {
        let mut h = AddrHash::new();
        insert_all(t, &mut h, (1..=100).map(|i| i << 12))?;
        let mut shown = 0;
        kassert!(
            t,
            h.remove_if(7, |_| {
                shown += 1;
                true
            })
            .is_none()
        );
        kassert_eq!(t, shown, 0);
        let kept = h.remove_if(9 << 12, |v| {
            *v += 1;
            false
        });
        kassert!(t, kept.is_none());
        kassert_eq!(
            t,
            (h.len(), h.get_mut(9 << 12).copied()),
            (100, Some((9 << 12) * 3 + 1))
        );
        let taken = h.remove_if(9 << 12, |v| *v == (9 << 12) * 3 + 1);
        kassert_eq!(t, taken.map(|n| n.into_value()), Some((9 << 12) * 3 + 1));
        kassert_eq!(t, (h.len(), h.get_mut(9 << 12).is_none()), (99, true));
        Ok(())
    }

    kunit_suite!(
        suite,
        "rspl_addr_hash",
        [
            get_and_visit_each_entry,
            remove_if_keeps_or_takes,
            without_buckets_nothing_goes_in,
            every_key_comes_back_once,
            asks_to_grow_at_two_a_bucket,
            refuses_a_bad_rehash,
            pop_any_empties_it,
        ]
    );
}
