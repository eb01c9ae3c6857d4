//! The part of [wasm-streams](https://crates.io/crates/wasm-streams) 0.5 that Leptos's
//! `server_fn` calls, patched in for the real crate (`[patch.crates-io]`).
//!
//! Why: Leptos depends on `server_fn` with its browser client, which depends on
//! wasm-streams; that crate exports three Rust types to JavaScript
//! (`IntoUnderlyingSource`, `IntoUnderlyingByteSource`, `IntoUnderlyingSink`), and an
//! export is kept in the wasm whether or not anything uses it. The portal has no server
//! functions, so those exports, their futures and their JavaScript classes were 5.9 KB
//! gzip of every first visit. Here the same bridge is made of closures handed to
//! JavaScript, which the linker drops when, as in the portal, nothing calls them.
//!
//! Only what `server_fn` uses exists (a Rust stream as a `ReadableStream` and back), so a
//! crate that needs more of wasm-streams fails to build instead of misbehaving.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_util::stream::{LocalBoxStream, Stream, StreamExt};
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{
    ReadableStreamDefaultController, ReadableStreamDefaultReader, ReadableStreamReadResult,
};

/// A JavaScript `ReadableStream` of arbitrary values.
pub struct ReadableStream {
    raw: web_sys::ReadableStream,
}

impl ReadableStream {
    pub fn from_raw(raw: web_sys::ReadableStream) -> ReadableStream {
        ReadableStream { raw }
    }

    pub fn into_raw(self) -> web_sys::ReadableStream {
        self.raw
    }

    /// A `ReadableStream` that pulls its chunks from `stream`; an `Err` item errors it.
    pub fn from_stream<St>(stream: St) -> ReadableStream
    where
        St: Stream<Item = Result<JsValue, JsValue>> + 'static,
    {
        let source: Rc<RefCell<Option<LocalBoxStream<'static, _>>>> =
            Rc::new(RefCell::new(Some(stream.boxed_local())));
        let cancelled = Rc::new(Cell::new(false));
        let pull = {
            let (source, cancelled) = (source.clone(), cancelled.clone());
            Closure::<dyn FnMut(ReadableStreamDefaultController) -> Promise>::new(
                move |controller: ReadableStreamDefaultController| {
                    let (source, cancelled) = (source.clone(), cancelled.clone());
                    future_to_promise(async move {
                        // A ReadableStream pulls again only once this promise settles, so
                        // the stream can be taken out for the wait, not borrowed across it.
                        let Some(mut stream) = source.borrow_mut().take() else {
                            return Ok(JsValue::UNDEFINED);
                        };
                        match stream.next().await {
                            Some(Ok(chunk)) => {
                                controller.enqueue_with_chunk(&chunk)?;
                                if !cancelled.get() {
                                    *source.borrow_mut() = Some(stream);
                                }
                            }
                            Some(Err(error)) => return Err(error),
                            None => controller.close()?,
                        }
                        Ok(JsValue::UNDEFINED)
                    })
                },
            )
        };
        let cancel = Closure::<dyn FnMut(JsValue)>::new(move |_reason: JsValue| {
            cancelled.set(true);
            source.borrow_mut().take();
        });
        let underlying = Object::new();
        // Owned by the JavaScript functions from here on (freed with them: weak refs).
        let _ = Reflect::set(&underlying, &"pull".into(), &pull.into_js_value());
        let _ = Reflect::set(&underlying, &"cancel".into(), &cancel.into_js_value());
        let raw = web_sys::ReadableStream::new_with_underlying_source(&underlying)
            .expect_throw("ReadableStream with an underlying source");
        ReadableStream { raw }
    }

    /// The stream's chunks as a Rust stream. **Panics** if it is already locked to a
    /// reader, as wasm-streams does.
    pub fn into_stream(self) -> IntoStream {
        let reader =
            ReadableStreamDefaultReader::new(&self.raw).expect_throw("already locked to a reader");
        IntoStream {
            reader: Some(reader),
            read: None,
        }
    }
}

/// The chunks of a `ReadableStream`, then its end; a JavaScript error is one `Err` item
/// and ends it. Dropped before the end, it cancels the JavaScript stream.
pub struct IntoStream {
    reader: Option<ReadableStreamDefaultReader>,
    read: Option<JsFuture>,
}

impl Stream for IntoStream {
    type Item = Result<JsValue, JsValue>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(reader) = &this.reader else {
            return Poll::Ready(None);
        };
        let read = this
            .read
            .get_or_insert_with(|| JsFuture::from(reader.read()));
        let Poll::Ready(result) = Pin::new(read).poll(cx) else {
            return Poll::Pending;
        };
        this.read = None;
        match result.map(JsCast::unchecked_into::<ReadableStreamReadResult>) {
            Ok(result) if result.get_done().unwrap_or(true) => {
                if let Some(reader) = this.reader.take() {
                    reader.release_lock();
                }
                Poll::Ready(None)
            }
            Ok(result) => Poll::Ready(Some(Ok(result.get_value()))),
            Err(error) => {
                this.reader = None;
                Poll::Ready(Some(Err(error)))
            }
        }
    }
}

impl Drop for IntoStream {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            let _ = reader.cancel();
        }
    }
}
