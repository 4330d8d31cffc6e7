//! State kept per HTTP worker thread. Each actix worker is a single-threaded runtime; a
//! connection's driver task runs on the runtime that opened it, so a connection of the
//! worker's own wakes the waiting request on its own thread instead of hopping to another
//! thread and back. Used for the Redis connection and the gateway's HTTP client.

use std::any::Any;
use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

/// Whether the current task runs on a single-threaded runtime (an HTTP worker); the
/// background runtime is multi-threaded, and its tasks move between threads.
pub fn on_worker_thread() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|rt| rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread)
}

thread_local! {
    /// Each thread's slots, by the id of the [`PerWorker`] that owns them.
    static SLOTS: RefCell<Vec<(u64, Box<dyn Any>)>> = const { RefCell::new(Vec::new()) };
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// One `Option<T>` per thread, for one owner (a Redis handle, a gateway client): two
/// owners on the same thread have a slot each.
pub struct PerWorker<T> {
    id: u64,
    // Only an id is held here (the values stay in their threads): Send and Sync for any T.
    _value: PhantomData<fn() -> T>,
}

impl<T: 'static> Default for PerWorker<T> {
    fn default() -> Self {
        PerWorker {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            _value: PhantomData,
        }
    }
}

impl<T: 'static> PerWorker<T> {
    /// `f` on this thread's slot (None until something is put there). `f` must not use
    /// another `PerWorker` of this thread.
    pub fn with<R>(&self, f: impl FnOnce(&mut Option<T>) -> R) -> R {
        SLOTS.with(|slots| {
            let mut slots = slots.borrow_mut();
            let index = match slots.iter().position(|(of, _)| *of == self.id) {
                Some(index) => index,
                None => {
                    slots.push((self.id, Box::new(None::<T>)));
                    slots.len() - 1
                }
            };
            let slot = slots[index]
                .1
                .downcast_mut::<Option<T>>()
                .expect("a slot holds its owner's type");
            f(slot)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_owner_has_its_own_slot_in_each_thread() {
        let (a, b) = (PerWorker::<u32>::default(), PerWorker::<&str>::default());
        a.with(|slot| *slot = Some(1));
        b.with(|slot| *slot = Some("b"));
        assert_eq!(a.with(|slot| *slot), Some(1));
        assert_eq!(b.with(|slot| *slot), Some("b"));
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(a.with(|slot| *slot), None));
        });
    }
}
