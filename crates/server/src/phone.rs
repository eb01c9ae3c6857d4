//! Phone numbers: parsed with the libphonenumber metadata (the `phonenumber`
//! crate), stored in E.164.

use phonenumber::country::Id;
use phonenumber::{Mode, Type};

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

/// Whether an SMS code may be sent to `e164`: a mobile number of one of `countries`
/// (ISO codes). Anything else is where SMS pumping sends its traffic: premium-rate and
/// shared-cost numbers pay whoever rents them per message received, and fixed lines,
/// VoIP, pagers and far countries are no phone a customer reads a code on. A number the
/// metadata calls `FixedLineOrMobile` is accepted: in the North American plan (the US is
/// one of the portal's countries) every number is that, and premium rate is its own type
/// there (900), so refusing it would refuse every US customer and stop no pumping.
pub fn is_accepted_destination(e164: &str, countries: &[String]) -> bool {
    let Ok(number) = phonenumber::parse(None, e164) else {
        return false;
    };
    if !phonenumber::is_valid(&number) {
        return false;
    }
    let Some(country) = number.country().id() else {
        return false;
    };
    if !countries
        .iter()
        .any(|c| c.eq_ignore_ascii_case(country.as_ref()))
    {
        return false;
    }
    matches!(
        number.number_type(&phonenumber::metadata::DATABASE),
        Type::Mobile | Type::FixedLineOrMobile
    )
}

/// The `phoneNumber` a code is to be sent to: normalised ([`normalise`]), then 2102
/// naming `phoneNumber` unless [`is_accepted_destination`].
pub fn destination(
    value: Option<&str>,
    region: &str,
    countries: &[String],
) -> Result<String, ApiError> {
    let number = required(value, region)?;
    if !is_accepted_destination(&number, countries) {
        tracing::info!("SMS refused: not a mobile number of the configured countries");
        return Err(ApiError::invalid("phoneNumber"));
    }
    Ok(number)
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

    fn portal_countries() -> Vec<String> {
        crate::config::Policy::default().sms_countries
    }

    #[test]
    fn only_mobile_numbers_of_the_configured_countries_receive_codes() {
        let countries = portal_countries();
        for mobile in [
            // The demo accounts' numbers.
            "+33612345678",
            "+33612345679",
            "+33612345670",
            "+33612345671",
            "+33756123456",
            "+32470123456",
            "+491701234567",
            "+447400123456",
            // North American numbers are "fixed line or mobile".
            "+14155550132",
        ] {
            assert!(is_accepted_destination(mobile, &countries), "{mobile}");
        }
        for refused in [
            // Premium rate, shared cost, toll free (France).
            "+33899123456",
            "+33810123456",
            "+33800123456",
            // Fixed lines.
            "+33142685300",
            "+3222345678",
            // A mobile number of a country not configured (Morocco, Japan).
            "+212612345678",
            "+819012345678",
            // US premium rate.
            "+19005550123",
            // Not even a number.
            "+336",
            "0612345678",
        ] {
            assert!(!is_accepted_destination(refused, &countries), "{refused}");
        }
        // The configured list decides: a Belgian mobile, without Belgium.
        assert!(!is_accepted_destination(
            "+32470123456",
            &["FR".to_string()]
        ));
    }

    #[test]
    fn numbers_reserved_for_fiction() {
        let countries = portal_countries();
        // What libphonenumber's metadata makes of the ranges set aside for fiction: the
        // French 0639 98 range is not in its mobile ranges, nor the UK's 07700 900.
        assert!(!is_accepted_destination("+33639980000", &countries));
        assert!(!is_accepted_destination("+33639989999", &countries));
        assert!(!is_accepted_destination("+447700900123", &countries));
        // Not even valid numbers to the metadata: refused as a trusted number too.
        for fiction in ["+33639980000", "+33639989999", "+447700900123"] {
            assert_eq!(
                normalise(fiction, "FR").unwrap_err().code(),
                ErrorCode::InvalidParameter,
                "{fiction}"
            );
        }
    }

    #[test]
    fn a_refused_destination_is_2102_naming_the_phone_number() {
        let countries = portal_countries();
        let error = destination(Some("+33 8 99 12 34 56"), "FR", &countries).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidParameter);
        assert!(
            error.body.label.contains("phoneNumber"),
            "{}",
            error.body.label
        );
        assert_eq!(
            destination(Some("06 12 34 56 78"), "FR", &countries).unwrap(),
            "+33612345678"
        );
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
