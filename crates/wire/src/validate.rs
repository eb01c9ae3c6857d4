//! Input rules shared by the portal (checks before a request) and the server
//! (the authority). Each rule returns a [`Problem`] the portal can word and the
//! server can turn into 2101/2102.

use crate::{ErrorBody, ErrorCode};

/// Why an input was refused, specific enough for the portal to say it plainly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Empty,
    NotDigits,
    WrongLength { expected: usize },
    WeakPin,
    PinMismatch,
    BadPhoneNumber,
    BadVin,
    VinForbiddenLetter,
    BadDeviceId,
    BadEmail,
}

impl Problem {
    /// The envelope error a server answers for this problem on `parameter`.
    pub fn to_error(self, parameter: &str) -> ErrorBody {
        let code = if self == Problem::Empty {
            ErrorCode::MissingParameter
        } else {
            ErrorCode::InvalidParameter
        };
        ErrorBody::for_parameter(code, parameter)
    }
}

pub const DEFAULT_PIN_LENGTH: u8 = 6;
pub const MIN_PIN_LENGTH: u8 = 4;
pub const MAX_PIN_LENGTH: u8 = 8;
pub const SMS_CODE_LENGTH: usize = 6;

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// A PIN of exactly `length` digits that is not on the weak list.
pub fn pin(text: &str, length: u8) -> Result<(), Problem> {
    if text.is_empty() {
        return Err(Problem::Empty);
    }
    if !all_digits(text) {
        return Err(Problem::NotDigits);
    }
    if text.len() != usize::from(length) {
        return Err(Problem::WrongLength {
            expected: usize::from(length),
        });
    }
    if is_weak_pin(text) {
        return Err(Problem::WeakPin);
    }
    Ok(())
}

/// The format of a PIN being checked (not chosen): weak PINs set before a
/// policy change must still be accepted for checking, so no weak-list here.
pub fn pin_format(text: &str, length: u8) -> Result<(), Problem> {
    match pin(text, length) {
        Err(Problem::WeakPin) => Ok(()),
        other => other,
    }
}

/// NIST SP 800-63B's blocklist rule, as rules rather than a table (the portal ships this
/// code): all-same digits and runs up or down by one, wrapping 9-0 (111111, 123456,
/// 654321, 890123); a repeated pair or triple (121212, 123123, 520520); blocks of one
/// digit in a run (112233, 111222); a run then its mirror or itself (123321, 12341234); straight strokes
/// across the phone keypad (147258, 159753, 852456, 2580); and a few common others.
pub fn is_weak_pin(text: &str) -> bool {
    // Plain loops over the bytes, no allocation: this runs in the portal too, where
    // iterator adapters over collected digits cost about a kilobyte of wasm.
    let d = text.as_bytes();
    let n = d.len();
    if n < 2 {
        return false;
    }
    let h = n / 2;
    let repeats = (1..=3).any(|p| 2 * p <= n && (p..n).all(|i| d[i] == d[i - p]));
    let blocks = [2, 3]
        .into_iter()
        .any(|b| n.is_multiple_of(b) && (0..n).all(|i| d[i] == d[i - i % b]) && run(d, b, n));
    let twice = n.is_multiple_of(2)
        && run(d, 1, h)
        && ((0..h).all(|i| d[i] == d[n - 1 - i]) || d[..h] == d[h..]);
    let keypad = stroke(d) || (n.is_multiple_of(3) && d.chunks(3).all(stroke));
    run(d, 1, n)
        || repeats
        || blocks
        || twice
        || keypad
        || matches!(text, "142536" | "010203" | "102030")
}

/// Whether the digits at 0, `stride`, 2 `stride`… below `len` stay the same or go up or
/// down by one each time, wrapping 9-0.
fn run(d: &[u8], stride: usize, len: usize) -> bool {
    [0, 1, 9].into_iter().any(|s| {
        (stride..len).step_by(stride).all(|i| {
            d[i - stride].wrapping_sub(b'0').wrapping_add(s) % 10 == d[i].wrapping_sub(b'0')
        })
    })
}

/// Whether the digits are keys in a straight line on a phone keypad (0 under 8), one step
/// apart.
fn stroke(d: &[u8]) -> bool {
    let key = |b: u8| {
        let k = b.wrapping_sub(b'1') as i8;
        if k < 0 {
            (3, 1)
        } else {
            (k / 3, k % 3)
        }
    };
    let step = |i: usize| {
        let (a, b) = (key(d[i - 1]), key(d[i]));
        (b.0 - a.0, b.1 - a.1)
    };
    let first = step(1);
    first != (0, 0)
        && first.0.abs() <= 1
        && first.1.abs() <= 1
        && (2..d.len()).all(|i| step(i) == first)
}

/// A new PIN and its confirmation.
pub fn new_pin(text: &str, confirmation: &str, length: u8) -> Result<(), Problem> {
    pin(text, length)?;
    if text != confirmation {
        return Err(Problem::PinMismatch);
    }
    Ok(())
}

/// An SMS code as typed: spaces and dashes (from a pasted "123 456") are dropped.
pub fn sms_code(text: &str) -> Result<String, Problem> {
    let code: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if code.is_empty() {
        return Err(Problem::Empty);
    }
    if !all_digits(&code) {
        return Err(Problem::NotDigits);
    }
    if code.len() != SMS_CODE_LENGTH {
        return Err(Problem::WrongLength {
            expected: SMS_CODE_LENGTH,
        });
    }
    Ok(code)
}

/// A country the portal's phone selector offers: calling code, trunk prefix and
/// the lengths of a national significant number there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country {
    pub region: &'static str,
    pub calling_code: &'static str,
    pub nsn_lengths: (usize, usize),
    /// A national number starts with the trunk prefix 0 (`06…` in France); in Spain,
    /// Portugal, Poland, Luxembourg, Italy and the US it is dialled as it is.
    pub trunk_zero: bool,
}

pub const COUNTRIES: &[Country] = &[
    Country {
        region: "FR",
        calling_code: "33",
        nsn_lengths: (9, 9),
        trunk_zero: true,
    },
    Country {
        region: "BE",
        calling_code: "32",
        nsn_lengths: (8, 9),
        trunk_zero: true,
    },
    Country {
        region: "CH",
        calling_code: "41",
        nsn_lengths: (9, 9),
        trunk_zero: true,
    },
    Country {
        region: "LU",
        calling_code: "352",
        nsn_lengths: (6, 11),
        trunk_zero: false,
    },
    Country {
        region: "DE",
        calling_code: "49",
        nsn_lengths: (6, 11),
        trunk_zero: true,
    },
    Country {
        region: "ES",
        calling_code: "34",
        nsn_lengths: (9, 9),
        trunk_zero: false,
    },
    Country {
        region: "IT",
        calling_code: "39",
        nsn_lengths: (6, 11),
        trunk_zero: false,
    },
    Country {
        region: "PT",
        calling_code: "351",
        nsn_lengths: (9, 9),
        trunk_zero: false,
    },
    Country {
        region: "NL",
        calling_code: "31",
        nsn_lengths: (9, 9),
        trunk_zero: true,
    },
    Country {
        region: "PL",
        calling_code: "48",
        nsn_lengths: (9, 9),
        trunk_zero: false,
    },
    Country {
        region: "GB",
        calling_code: "44",
        nsn_lengths: (10, 10),
        trunk_zero: true,
    },
    Country {
        region: "US",
        calling_code: "1",
        nsn_lengths: (10, 10),
        trunk_zero: false,
    },
];

pub fn country(region: &str) -> Option<&'static Country> {
    COUNTRIES
        .iter()
        .find(|c| c.region.eq_ignore_ascii_case(region))
}

/// Normalises a phone number typed in international (`+33 6 12…`, `0033…`) or
/// national (`06 12 34 56 78`) form to E.164. This is the portal's light check;
/// the server re-parses with a full numbering-plan library.
pub fn phone_number(text: &str, region: &str) -> Result<String, Problem> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Problem::Empty);
    }
    if !trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')' | '+' | '/'))
    {
        return Err(Problem::BadPhoneNumber);
    }
    let plus = trimmed.starts_with('+');
    if trimmed[usize::from(plus)..].contains('+') {
        return Err(Problem::BadPhoneNumber);
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    let e164 = match international {
        Some(rest) => {
            let (country, nsn) = COUNTRIES
                .iter()
                .filter_map(|c| rest.strip_prefix(c.calling_code).map(|n| (c, n)))
                .max_by_key(|(c, _)| c.calling_code.len())
                .ok_or(Problem::BadPhoneNumber)?;
            // "+33 (0)6…" is a common way to write French numbers.
            let nsn = nsn
                .strip_prefix('0')
                .filter(|_| country.trunk_zero)
                .unwrap_or(nsn);
            check_nsn(country, nsn)?;
            format!("+{}{}", country.calling_code, nsn)
        }
        None => {
            let country = country(region).ok_or(Problem::BadPhoneNumber)?;
            let nsn = if country.trunk_zero {
                digits.strip_prefix('0').ok_or(Problem::BadPhoneNumber)?
            } else {
                digits.as_str()
            };
            check_nsn(country, nsn)?;
            format!("+{}{}", country.calling_code, nsn)
        }
    };
    Ok(e164)
}

fn check_nsn(country: &Country, nsn: &str) -> Result<(), Problem> {
    let (min, max) = country.nsn_lengths;
    if nsn.len() < min || nsn.len() > max || nsn.starts_with('0') && country.calling_code != "39" {
        return Err(Problem::BadPhoneNumber);
    }
    Ok(())
}

/// `+33612345678` shown as `+33 6•• •• ••78`: enough for the user to recognise
/// the number, not enough to learn it.
pub fn mask_phone_number(e164: &str) -> String {
    let digits = e164.trim_start_matches('+');
    let calling_code = COUNTRIES
        .iter()
        .filter(|c| digits.starts_with(c.calling_code))
        .max_by_key(|c| c.calling_code.len())
        .map_or(&digits[..digits.len().min(2)], |c| c.calling_code);
    let nsn: Vec<char> = digits[calling_code.len()..].chars().collect();
    if nsn.len() < 4 {
        return format!("+{calling_code} ••");
    }
    let mut masked = String::new();
    masked.push(nsn[0]);
    let rest = &nsn[1..];
    for (i, c) in rest.iter().enumerate() {
        let shown = i + 2 >= rest.len();
        if i > 0 && i % 2 == 0 && i + 2 < rest.len() {
            masked.push(' ');
        }
        masked.push(if shown { *c } else { '•' });
    }
    format!("+{calling_code} {masked}")
}

/// A VIN: 17 characters of `A-HJ-NPR-Z0-9`, compared case-insensitively.
/// Returns it uppercased.
pub fn vin(text: &str) -> Result<String, Problem> {
    let vin = text.trim().to_ascii_uppercase();
    if vin.is_empty() {
        return Err(Problem::Empty);
    }
    if !vin.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Problem::BadVin);
    }
    if vin.contains(['I', 'O', 'Q']) {
        return Err(Problem::VinForbiddenLetter);
    }
    if vin.len() != 17 {
        return Err(Problem::WrongLength { expected: 17 });
    }
    Ok(vin)
}

/// A device id: the RFC 7638 SHA-256 thumbprint of the device's public key, as
/// unpadded base64url (43 characters). Case matters: base64url is case-sensitive,
/// so it is never normalised.
pub fn device_id(text: &str) -> Result<(), Problem> {
    if text.is_empty() {
        return Err(Problem::Empty);
    }
    let ok = text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Problem::BadDeviceId)
    }
}

/// An email address of a plausible shape (the server looks the account up anyway).
pub fn email(text: &str) -> Result<(), Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Problem::Empty);
    }
    match text.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.contains(char::is_whitespace)
                && !domain.contains('@') =>
        {
            Ok(())
        }
        _ => Err(Problem::BadEmail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_must_be_digits_of_the_policy_length() {
        assert_eq!(pin("", 6), Err(Problem::Empty));
        assert_eq!(pin("24680a", 6), Err(Problem::NotDigits));
        assert_eq!(pin("2468", 6), Err(Problem::WrongLength { expected: 6 }));
        assert_eq!(pin("246801", 6), Ok(()));
        assert_eq!(pin("2468", 4), Ok(()));
    }

    #[test]
    fn weak_pins_are_refused_when_chosen_but_checkable() {
        for weak in ["111111", "123456", "654321", "890123", "210987", "000000"] {
            assert_eq!(pin(weak, 6), Err(Problem::WeakPin), "{weak}");
            assert_eq!(pin_format(weak, 6), Ok(()), "{weak}");
        }
        for fine in ["246801", "135790", "123457", "975310", "864209", "731952"] {
            assert_eq!(pin(fine, 6), Ok(()), "{fine}");
        }
    }

    #[test]
    fn the_commonest_published_pins_are_weak() {
        // The most chosen 6-digit PINs (Wang et al., "Understanding human-chosen PINs",
        // 2017; DataGenetics for 4 digits), each caught by a rule or the short list.
        for weak in [
            "123456", "654321", "111111", "000000", "999999", "666666", "112233", "121212",
            "123123", "696969", "159753", "789456", "147258", "123321", "520520", "131313",
            "101010", "258369", "852456", "159357", "741852", "963852", "147147", "258258",
            "456123", "123654", "111222", "332211", "110110", "142536", "010203", "102030",
            "987654", "456456", "202020", "1234", "1111", "1212", "2580", "0852", "6969", "1122",
            "4321", "12341234", "12121212",
        ] {
            assert!(is_weak_pin(weak), "{weak}");
        }
    }

    #[test]
    fn the_rules_leave_most_pins_alone() {
        // The PINs the tests and the demo choose, and a few look-alikes of the weak ones.
        for fine in [
            "246801", "135790", "975310", "527148", "135792", "730561", "482915", "602413",
            "591374", "482913", "864209", "731952", "975318", "591375", "318604", "975312",
            "112234", "123324", "147259", "159754", "1235", "2581", "12341235",
        ] {
            assert!(!is_weak_pin(fine), "{fine}");
        }
        // Few refused: 0.15% of the 6-digit PINs, 2% of the 4-digit ones (a triple needs
        // two copies: 1231 is fine).
        let weak = (0..1_000_000)
            .filter(|n| is_weak_pin(&format!("{n:06}")))
            .count();
        assert!(weak < 1_500, "{weak}");
        let weak = (0..10_000)
            .filter(|n| is_weak_pin(&format!("{n:04}")))
            .count();
        assert!(weak < 250, "{weak}");
        assert!(!is_weak_pin("1231"));
    }

    #[test]
    fn new_pin_needs_matching_confirmation() {
        assert_eq!(new_pin("246801", "246801", 6), Ok(()));
        assert_eq!(new_pin("246801", "246802", 6), Err(Problem::PinMismatch));
        assert_eq!(new_pin("123456", "123456", 6), Err(Problem::WeakPin));
    }

    #[test]
    fn sms_codes_are_six_digits_and_paste_friendly() {
        assert_eq!(sms_code("123 456"), Ok("123456".to_string()));
        assert_eq!(sms_code("123-456"), Ok("123456".to_string()));
        assert_eq!(sms_code("12345"), Err(Problem::WrongLength { expected: 6 }));
        assert_eq!(sms_code("12a456"), Err(Problem::NotDigits));
        assert_eq!(sms_code(" "), Err(Problem::Empty));
    }

    #[test]
    fn phone_numbers_normalise_to_e164() {
        for typed in [
            "+33612345678",
            "06 12 34 56 78",
            "06.12.34.56.78",
            "0033 6 12 34 56 78",
            "+33 (0)6 12 34 56 78",
        ] {
            assert_eq!(
                phone_number(typed, "FR"),
                Ok("+33612345678".to_string()),
                "{typed}"
            );
        }
        assert_eq!(
            phone_number("0470 12 34 56", "BE"),
            Ok("+32470123456".to_string())
        );
        assert_eq!(
            phone_number("+1 415 555 0100", "FR"),
            Ok("+14155550100".to_string())
        );
        // Where there is no trunk prefix, a national number is dialled as it is.
        for (typed, region, e164) in [
            ("612 34 56 78", "ES", "+34612345678"),
            ("912 345 678", "PT", "+351912345678"),
            ("512 345 678", "PL", "+48512345678"),
            ("+48 512 345 678", "FR", "+48512345678"),
            ("0151 23456789", "DE", "+4915123456789"),
            ("06 12345678", "NL", "+31612345678"),
            ("347 123 4567", "IT", "+393471234567"),
        ] {
            assert_eq!(phone_number(typed, region), Ok(e164.to_string()), "{typed}");
        }
        assert_eq!(
            phone_number("0612 34 56 78", "ES"),
            Err(Problem::BadPhoneNumber)
        );
        for bad in [
            "0612",
            "612345678",
            "+999123",
            "06 12 34 56 78 9",
            "phone",
            "++33612345678",
        ] {
            assert_eq!(
                phone_number(bad, "FR"),
                Err(Problem::BadPhoneNumber),
                "{bad}"
            );
        }
        assert_eq!(phone_number("", "FR"), Err(Problem::Empty));
    }

    #[test]
    fn masked_numbers_show_country_first_digit_and_last_two() {
        assert_eq!(mask_phone_number("+33612345678"), "+33 6•• •• ••78");
        assert_eq!(mask_phone_number("+33612345679"), "+33 6•• •• ••79");
        let masked = mask_phone_number("+14155550100");
        assert!(
            masked.starts_with("+1 4") && masked.ends_with("00"),
            "{masked}"
        );
        assert!(!masked.contains("555"));
    }

    #[test]
    fn vins_follow_the_iso_3779_alphabet() {
        assert_eq!(
            vin("vf3abcdefgh123456"),
            Ok("VF3ABCDEFGH123456".to_string())
        );
        assert_eq!(
            vin("VF3ABCDEFGH12345"),
            Err(Problem::WrongLength { expected: 17 })
        );
        assert_eq!(vin("VF3ABCDEFGHI23456"), Err(Problem::VinForbiddenLetter));
        assert_eq!(vin("VF3ABCDEFGO123456"), Err(Problem::VinForbiddenLetter));
        assert_eq!(vin("VF3-BCDEFGH123456"), Err(Problem::BadVin));
        assert_eq!(vin(""), Err(Problem::Empty));
    }

    #[test]
    fn device_ids_are_key_thumbprints() {
        // RFC 7638 section 3.1's example thumbprint.
        let rfc = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
        assert_eq!(device_id(rfc), Ok(()));
        assert_eq!(
            device_id(&rfc.to_lowercase()),
            Ok(()),
            "case is kept, not refused"
        );
        for bad in [
            // The former UUID form.
            "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b",
            &rfc[..42],
            &format!("{rfc}A"),
            // Padded, standard alphabet, or with spaces: not base64url.
            &format!("{}=", &rfc[..42]),
            "NzbLsXh8uDCcd+6MNwXF4W/7noWXFZAfHkxZsRGC9Xs",
            " NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9X",
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xé",
        ] {
            assert_eq!(device_id(bad), Err(Problem::BadDeviceId), "{bad}");
        }
        assert_eq!(device_id(""), Err(Problem::Empty));
    }

    #[test]
    fn problems_become_2101_or_2102() {
        assert_eq!(
            Problem::Empty.to_error("pinCode").code,
            ErrorCode::MissingParameter
        );
        let invalid = Problem::WeakPin.to_error("pinCode");
        assert_eq!(invalid.code, ErrorCode::InvalidParameter);
        assert_eq!(invalid.label, "Invalid parameter: pinCode");
    }

    #[test]
    fn emails_need_a_plausible_shape() {
        assert_eq!(email("new@demo.test"), Ok(()));
        for bad in [
            "",
            "new",
            "new@demo",
            "@demo.test",
            "a b@demo.test",
            "a@b@c.d",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
