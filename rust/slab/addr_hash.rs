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
        if self.buckets.is_empty() {
            return None;
        }
        let i = self.index(key);
        let mut cur = &mut self.buckets[i];
        loop {
            match cur {
                None => return None,
                Some(node) if node.key == key => {
                    let mut node = cur.take()?;
                    *cur = node.next.take();
                    self.len -= 1;
                    return Some(node);
                }
                Some(node) => cur = &mut node.next,
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
