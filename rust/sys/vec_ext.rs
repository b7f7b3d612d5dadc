// SPDX-License-Identifier: GPL-2.0

//! What 6.12's `KVec` lacks and the allocator needs: taking elements out.
//! Upstream: `KVec`'s own `pop` and `remove` (after 6.12) replace it.

use kernel::alloc::{Allocator, Vec};

pub(crate) trait VecExt<T> {
    /// Removes and returns the last element.
    fn pop(&mut self) -> Option<T>;
    /// Removes element `i`, keeping the order of the rest (O(n)).
    fn remove_at(&mut self, i: usize) -> Option<T>;
    /// Removes element `i`, moving the last into its place (O(1)).
    fn swap_remove_at(&mut self, i: usize) -> Option<T>;
}

impl<T, A: Allocator> VecExt<T> for Vec<T, A> {
    fn pop(&mut self) -> Option<T> {
        let last = self.len().checked_sub(1)?;
        // SAFETY: `last < len`, so the element is initialised; shrinking
        // the length first hands its ownership to the read below, once.
        unsafe {
            self.set_len(last);
            Some(core::ptr::read(self.as_ptr().add(last)))
        }
    }

    fn remove_at(&mut self, i: usize) -> Option<T> {
        if i >= self.len() {
            return None;
        }
        self.as_mut_slice()[i..].rotate_left(1);
        self.pop()
    }

    fn swap_remove_at(&mut self, i: usize) -> Option<T> {
        let last = self.len().checked_sub(1)?;
        if i > last {
            return None;
        }
        self.as_mut_slice().swap(i, last);
        self.pop()
    }
}
