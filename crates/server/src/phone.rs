//! Phone numbers: parsed with the libphonenumber metadata (the `phonenumber`
//! crate), stored in E.164.

use phonenumber::country::Id;
use phonenumber::Mode;

use crate::error::ApiError;

/// E.164 form of a number typed in international or national form (default
/// region `region`); 2101 when empty, 2102 when it is not a valid number.
pub fn normalise(text: &str, region: &str) -> Result<String, ApiError> {
    const PARAMETER: &str = "phoneNumber";
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::missing(PARAMETER));
    }
    if text.len() > 40 {
        return Err(ApiError::invalid(PARAMETER));
    }
    let region: Option<Id> = region.parse().ok();
    let number = phonenumber::parse(region, text).map_err(|_| ApiError::invalid(PARAMETER))?;
    if !phonenumber::is_valid(&number) {
        return Err(ApiError::invalid(PARAMETER));
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// The required `phoneNumber` field of a body, normalised.
pub fn required(value: Option<&str>, region: &str) -> Result<String, ApiError> {
    normalise(value.unwrap_or_default(), region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::ErrorCode;

    #[test]
    fn national_and_international_forms_normalise_to_e164() {
        for typed in [
            "+33612345678",
            "06 12 34 56 78",
            "06.12.34.56.78",
            "+33 6 12 34 56 78",
        ] {
            assert_eq!(normalise(typed, "FR").unwrap(), "+33612345678", "{typed}");
        }
        assert_eq!(normalise("0470 12 34 56", "BE").unwrap(), "+32470123456");
        assert_eq!(normalise("+1 415 555 0132", "FR").unwrap(), "+14155550132");
    }

    #[test]
    fn invalid_numbers_are_2102_and_empty_is_2101() {
        for bad in ["0612", "phone", "+33 6 12", "06 12 34 56 78 90 12"] {
            assert_eq!(
                normalise(bad, "FR").unwrap_err().code(),
                ErrorCode::InvalidParameter,
                "{bad}"
            );
        }
        assert_eq!(
            normalise(" ", "FR").unwrap_err().code(),
            ErrorCode::MissingParameter
        );
    }
}
