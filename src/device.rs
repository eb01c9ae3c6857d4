//! This browser's device id: a random UUID created once and kept in
//! `localStorage`. It identifies the browser profile, it is not a secret.

use std::cell::RefCell;

const KEY: &str = "portal.deviceId";

thread_local! {
    static CACHED: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub fn id() -> String {
    CACHED.with(|cached| {
        cached
            .borrow_mut()
            .get_or_insert_with(load_or_create)
            .clone()
    })
}

fn load_or_create() -> String {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(existing) = storage
        .as_ref()
        .and_then(|s| s.get_item(KEY).ok().flatten())
    {
        if wire::validate::device_id(&existing).is_ok() {
            return existing;
        }
    }
    let fresh = new_uuid();
    // Storage can be refused (third-party iframe, private mode): the id then
    // lasts as long as the page, and the user is simply asked to enroll again.
    if let Some(storage) = storage {
        let _ = storage.set_item(KEY, &fresh);
    }
    fresh
}

/// A version-4 UUID from the browser's CSPRNG (`getRandomValues` also works
/// outside secure contexts, unlike `randomUUID`).
fn new_uuid() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Not a secret, only an identifier: a weaker source beats no id at all.
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    format_uuid_v4(bytes)
}

pub fn format_uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formatted_ids_are_valid_v4_uuids() {
        let id = super::format_uuid_v4([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(wire::validate::device_id(&id), Ok(()));
        assert_eq!(
            wire::validate::device_id(&super::format_uuid_v4([0; 16])),
            Ok(())
        );
    }
}
