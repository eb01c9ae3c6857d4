//! The portal's two async shapes: a form submission ([`Task`]) and a read a
//! screen starts when it opens ([`Load`]).
//!
//! Leptos's `Action` and `LocalResource` do the same and more (versions,
//! input signals, Suspense integration), but each instance of them is a full
//! copy of that generic machinery in the wasm: measured at ~1.8 KB per
//! `Action<I, O>` and ~6 KB per `LocalResource<T>` after wasm-opt, which was a
//! tenth of the first download. Here the part that is generic over the input
//! or the value is one small closure; spawning and bookkeeping exist once.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use leptos::prelude::*;

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// One submission at a time, and a busy flag for the submit button.
pub struct Task<I: 'static> {
    busy: RwSignal<bool>,
    run: StoredValue<Rc<dyn Fn(I) -> LocalFuture<()>>, LocalStorage>,
}

impl<I> Clone for Task<I> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I> Copy for Task<I> {}

impl<I: 'static> Task<I> {
    pub fn new<F, Fut>(work: F) -> Self
    where
        F: Fn(I) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let run: Rc<dyn Fn(I) -> LocalFuture<()>> = Rc::new(move |input| Box::pin(work(input)));
        Task {
            busy: RwSignal::new(false),
            run: StoredValue::new_local(run),
        }
    }

    /// True while a submission runs (tracked, for the button).
    pub fn pending(&self) -> Signal<bool> {
        self.busy.into()
    }

    /// Starts `input`'s submission unless one is already running: a double
    /// click sends one request.
    pub fn dispatch(&self, input: I) {
        if self.busy.get_untracked() {
            return;
        }
        let Some(run) = self.run.try_get_value() else {
            return;
        };
        start(self.busy, run(input));
    }
}

fn start(busy: RwSignal<bool>, work: LocalFuture<()>) {
    busy.set(true);
    leptos::task::spawn_local(async move {
        work.await;
        // The screen may have been left meanwhile; its signals are gone then.
        let _ = busy.try_set(false);
    });
}

/// A read started when the screen opens; `None` until it answers. A
/// [`refetch`](Load::refetch) keeps showing the last answer until the new one
/// arrives, so a list does not blink back to "loading".
pub struct Load<T: Send + Sync + 'static> {
    value: RwSignal<Option<T>>,
    fetch: StoredValue<Rc<dyn Fn() -> LocalFuture<T>>, LocalStorage>,
}

impl<T: Send + Sync> Clone for Load<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync> Copy for Load<T> {}

impl<T: Send + Sync + 'static> Load<T> {
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = T> + 'static,
    {
        let fetch: Rc<dyn Fn() -> LocalFuture<T>> = Rc::new(move || Box::pin(fetch()));
        let load = Load {
            value: RwSignal::new(None),
            fetch: StoredValue::new_local(fetch),
        };
        load.refetch();
        load
    }

    /// The answer, tracked.
    pub fn get(&self) -> Option<T>
    where
        T: Clone,
    {
        self.value.get()
    }

    /// Changes the answer in place: what the server just confirmed, without reading it again.
    pub fn update(&self, change: impl FnOnce(&mut T)) {
        self.value.update(|value| {
            if let Some(value) = value {
                change(value)
            }
        });
    }

    pub fn refetch(&self) {
        let Some(fetch) = self.fetch.try_get_value() else {
            return;
        };
        let value = self.value;
        let answer = fetch();
        leptos::task::spawn_local(async move {
            let answer = answer.await;
            let _ = value.try_set(Some(answer));
        });
    }
}
