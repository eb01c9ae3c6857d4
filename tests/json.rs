//! `portal::json` against serde_json, in headless Chromium: the portal's own serde
//! serializer and deserializer must write and read every shape as the server's serde_json
//! does, and refuse what serde_json refuses.
#![cfg(target_arch = "wasm32")]

use std::collections::BTreeMap;

use portal::json::{self, Error};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    name: String,
    count: u32,
    delta: i64,
    ratio: f64,
    on: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    note: Option<String>,
    maybe: Option<u8>,
    tags: Vec<String>,
    labels: BTreeMap<String, String>,
    kind: Kind,
    pair: (u8, String),
}

/// Flattened fields, as the request bodies' discriminators are: serde buffers the
/// object and reads it through `deserialize_any`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Flattened {
    pin: Option<String>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Extra {
    action_type: String,
    level: u8,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Kind {
    Plain,
    OtherPlain,
    Wrapped(String),
    Shaped { size: u16 },
    Listed(u8, u8),
}

fn record(kind: Kind) -> Record {
    Record {
        name:
            "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} del \u{7f} é 🚗 </script>"
                .into(),
        count: 4_000_000_000,
        delta: -9_007_199_254_740_991,
        ratio: 0.25,
        on: true,
        note: None,
        maybe: Some(7),
        tags: vec!["a".into(), String::new()],
        labels: BTreeMap::from([("--accent".into(), "#0af".into()), ("z".into(), "".into())]),
        kind,
        pair: (1, "one".into()),
    }
}

fn all_kinds() -> [Kind; 5] {
    [
        Kind::Plain,
        Kind::OtherPlain,
        Kind::Wrapped("w".into()),
        Kind::Shaped { size: 300 },
        Kind::Listed(1, 2),
    ]
}

/// What the browser makes of a JSON text.
fn parsed(text: &str) -> wasm_bindgen::JsValue {
    js_sys::JSON::parse(text).expect("test JSON parses")
}

fn reads_as_serde_json<T: DeserializeOwned + PartialEq + std::fmt::Debug>(text: &str) {
    let expected = serde_json::from_str::<T>(text);
    let got = json::from_value::<T>(parsed(text));
    match (expected, got) {
        (Ok(expected), Ok(got)) => assert_eq!(got, expected, "{text}"),
        (Err(_), Err(_)) => {}
        (expected, got) => panic!("{text}: serde_json {expected:?}, portal {got:?}"),
    }
}

#[wasm_bindgen_test]
fn writes_what_serde_json_writes() {
    for kind in all_kinds() {
        let value = record(kind);
        assert_eq!(
            json::to_string(&value).unwrap(),
            serde_json::to_string(&value).unwrap()
        );
    }
    let mut with_note = record(Kind::Plain);
    with_note.note = Some("n".into());
    with_note.maybe = None;
    assert_eq!(
        json::to_string(&with_note).unwrap(),
        serde_json::to_string(&with_note).unwrap()
    );
    // Every control character, and the characters around the escaped ones.
    let controls: String = (0u8..0x30)
        .map(char::from)
        .chain(['\\', '"', '\u{2028}'])
        .collect();
    assert_eq!(
        json::to_string(&controls).unwrap(),
        serde_json::to_string(&controls).unwrap()
    );
    let numbers_as_keys = BTreeMap::from([(3u8, true), (10, false)]);
    assert_eq!(
        json::to_string(&numbers_as_keys).unwrap(),
        serde_json::to_string(&numbers_as_keys).unwrap()
    );
    let flattened = Flattened {
        pin: None,
        extra: Extra {
            action_type: "strong".into(),
            level: 2,
        },
    };
    assert_eq!(
        json::to_string(&flattened).unwrap(),
        serde_json::to_string(&flattened).unwrap()
    );
    assert_eq!(json::to_string(&()).unwrap(), "null");
    assert_eq!(json::to_string(&'x').unwrap(), "\"x\"");
    assert_eq!(json::to_string(&i64::MIN).unwrap(), i64::MIN.to_string());
    assert_eq!(json::to_string(&u64::MAX).unwrap(), u64::MAX.to_string());
}

/// Floats are written by the browser: the same number, without serde_json's `.0` on a
/// whole one, and `null` for what JSON has no number for.
#[wasm_bindgen_test]
fn floats_are_the_same_numbers() {
    for value in [0.25, -1.5e-7, 1e21, 3.0, f64::MAX] {
        let text = json::to_string(&value).unwrap();
        assert_eq!(serde_json::from_str::<f64>(&text).unwrap(), value, "{text}");
    }
    assert_eq!(json::to_string(&f64::NAN).unwrap(), "null");
    assert_eq!(json::to_string(&f64::INFINITY).unwrap(), "null");
    assert_eq!(serde_json::to_string(&f64::NAN).unwrap(), "null");
}

#[wasm_bindgen_test]
fn reads_what_it_writes_and_what_serde_json_reads() {
    for kind in [Kind::Plain, Kind::OtherPlain] {
        let value = record(kind);
        let text = serde_json::to_string(&value).unwrap();
        assert_eq!(json::from_value::<Record>(parsed(&text)).unwrap(), value);
        reads_as_serde_json::<Record>(&text);
    }
    for text in [
        r#"{"pin":"1234","actionType":"strong","level":2}"#,
        r#"{"actionType":"weak","level":0,"other":[1]}"#,
        r#"{"pin":null,"actionType":"strong","level":300}"#,
        r#"{"pin":"1234","level":2}"#,
        r#"{"pin":7,"actionType":"strong","level":2}"#,
    ] {
        reads_as_serde_json::<Flattened>(text);
    }
}

#[wasm_bindgen_test]
fn refuses_what_serde_json_refuses() {
    let good = serde_json::to_value(record(Kind::Plain)).unwrap();
    let with = |field: &str, value: serde_json::Value| {
        let mut changed = good.clone();
        changed[field] = value;
        changed.to_string()
    };
    use serde_json::json as v;
    let cases = [
        with("count", v!(1.5)),
        with("count", v!(-1)),
        with("count", v!(4_294_967_296u64)),
        with("count", v!("7")),
        with("delta", v!(0.5)),
        with("on", v!(1)),
        with("name", v!(null)),
        with("tags", v!("a")),
        with("tags", v!([1])),
        with("labels", v!(["a"])),
        with("labels", v!({"a": 1})),
        with("kind", v!("unknown")),
        with("kind", v!({"shaped": {"size": 70000}})),
        with("kind", v!({"plain": null, "wrapped": "w"})),
        with("pair", v!([1])),
        with("pair", v!([1, "one", 2])),
        with("maybe", v!(256)),
        "[]".to_string(),
        "7".to_string(),
        "null".to_string(),
    ];
    for text in &cases {
        assert!(serde_json::from_str::<Record>(text).is_err(), "{text}");
        assert!(json::from_value::<Record>(parsed(text)).is_err(), "{text}");
    }
    // What serde_json accepts of the same shapes, the portal accepts too.
    for text in [
        with("ratio", v!(2)),
        with("maybe", v!(null)),
        with("unknownField", v!([1, {"a": null}])),
        with("kind", v!("otherPlain")),
    ] {
        reads_as_serde_json::<Record>(&text);
        assert!(json::from_value::<Record>(parsed(&text)).is_ok(), "{text}");
    }
}

/// What serde_json reads and the portal refuses, on purpose (see `portal::json`'s
/// deserializer): the contract has neither shape.
#[wasm_bindgen_test]
fn a_struct_as_an_array_and_a_variant_with_data_are_refused() {
    let as_array = r#"[["a"]]"#;
    #[derive(Debug, Deserialize)]
    struct Tagged {
        #[allow(dead_code)]
        tags: Vec<String>,
    }
    assert!(serde_json::from_str::<Tagged>(as_array).is_ok());
    assert_eq!(
        json::from_value::<Tagged>(parsed(as_array)).unwrap_err(),
        Error::Invalid
    );
    for kind in all_kinds().into_iter().skip(2) {
        let text = serde_json::to_string(&record(kind)).unwrap();
        assert!(serde_json::from_str::<Record>(&text).is_ok(), "{text}");
        assert!(json::from_value::<Record>(parsed(&text)).is_err(), "{text}");
    }
}

#[wasm_bindgen_test]
fn a_missing_field_is_named() {
    let mut value = serde_json::to_value(record(Kind::Plain)).unwrap();
    value.as_object_mut().unwrap().remove("count");
    let error = json::from_value::<Record>(parsed(&value.to_string())).unwrap_err();
    assert_eq!(error, Error::MissingField("count"));
    assert_eq!(error.to_string(), "missing field count");
    // An optional field may be missing.
    value["count"] = serde_json::json!(1);
    value.as_object_mut().unwrap().remove("maybe");
    let read = json::from_value::<Record>(parsed(&value.to_string())).unwrap();
    assert_eq!(read.maybe, None);
}

#[wasm_bindgen_test]
fn to_value_gives_the_object_json_parse_would() {
    let value = record(Kind::Shaped { size: 2 });
    let object = json::to_value(&value).unwrap();
    let text = String::from(js_sys::JSON::stringify(&object).unwrap());
    assert_eq!(text, serde_json::to_string(&value).unwrap());
}
