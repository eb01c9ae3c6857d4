//! The bridge both ways, in headless Chromium (`cargo test --target wasm32-unknown-unknown
//! --package wasm-streams`).
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use futures_util::stream::{self, StreamExt};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use wasm_streams::ReadableStream;

wasm_bindgen_test_configure!(run_in_browser);

fn numbers(values: &[f64]) -> Vec<Result<JsValue, JsValue>> {
    values.iter().map(|n| Ok(JsValue::from_f64(*n))).collect()
}

/// A few turns of the browser's microtask queue.
async fn settle() {
    for _ in 0..5 {
        JsFuture::from(js_sys::Promise::resolve(&JsValue::UNDEFINED))
            .await
            .unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_rust_stream_reads_back_through_javascript() {
    let raw = ReadableStream::from_stream(stream::iter(numbers(&[1.0, 2.0, 3.0]))).into_raw();
    assert!(raw.is_instance_of::<web_sys::ReadableStream>());
    let read: Vec<_> = ReadableStream::from_raw(raw).into_stream().collect().await;
    assert_eq!(read, numbers(&[1.0, 2.0, 3.0]));
}

#[wasm_bindgen_test]
async fn an_error_item_errors_the_javascript_stream() {
    let items = vec![
        Ok(JsValue::from_str("a")),
        Err(JsValue::from_str("broken")),
        Ok(JsValue::from_str("never read")),
    ];
    let raw = ReadableStream::from_stream(stream::iter(items)).into_raw();
    let read: Vec<_> = ReadableStream::from_raw(raw).into_stream().collect().await;
    assert_eq!(
        read,
        vec![Ok(JsValue::from_str("a")), Err(JsValue::from_str("broken"))]
    );
}

#[wasm_bindgen_test]
async fn a_response_body_reads_as_its_bytes() {
    let response = web_sys::Response::new_with_opt_str(Some("héllo")).unwrap();
    let chunks: Vec<_> = ReadableStream::from_raw(response.body().unwrap())
        .into_stream()
        .collect()
        .await;
    let mut bytes = Vec::new();
    for chunk in chunks {
        bytes.extend(
            chunk
                .unwrap()
                .unchecked_into::<js_sys::Uint8Array>()
                .to_vec(),
        );
    }
    assert_eq!(String::from_utf8(bytes).unwrap(), "héllo");
}

/// Dropping the reading side cancels the JavaScript stream, which lets go of the Rust one.
#[wasm_bindgen_test]
async fn dropping_the_reader_cancels_and_drops_the_source() {
    struct Guard(Rc<Cell<bool>>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let dropped = Rc::new(Cell::new(false));
    let guard = Guard(dropped.clone());
    let endless = stream::repeat(()).map(move |()| {
        let _ = &guard;
        Ok(JsValue::TRUE)
    });
    let mut read = ReadableStream::from_stream(endless).into_stream();
    assert_eq!(read.next().await, Some(Ok(JsValue::TRUE)));
    settle().await;
    assert!(!dropped.get());
    drop(read);
    settle().await;
    assert!(dropped.get());
}
