use serde::{Deserialize, Serialize};

/// The SDK's error codes, with their labels and the HTTP status the contract gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u16", try_from = "u16")]
pub enum ErrorCode {
    Unknown,
    MissingParameter,
    InvalidParameter,
    ServerError,
    NeedBasicAuthentication,
    NeedStrongAuthentication,
    InvalidSmsCode,
    ExpiredSmsCode,
    NoPhoneNumber,
    WrongPin,
    SamePin,
    AccountBlocked,
    NotVehicleOwner,
    /// Beyond the SDK: a device id that is not one of the account's (the hub's removal).
    NotDeviceOwner,
    PhoneAlreadyRegistered,
    RateLimited,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::Unknown,
        ErrorCode::MissingParameter,
        ErrorCode::InvalidParameter,
        ErrorCode::ServerError,
        ErrorCode::NeedBasicAuthentication,
        ErrorCode::NeedStrongAuthentication,
        ErrorCode::InvalidSmsCode,
        ErrorCode::ExpiredSmsCode,
        ErrorCode::NoPhoneNumber,
        ErrorCode::WrongPin,
        ErrorCode::SamePin,
        ErrorCode::AccountBlocked,
        ErrorCode::NotVehicleOwner,
        ErrorCode::NotDeviceOwner,
        ErrorCode::PhoneAlreadyRegistered,
        ErrorCode::RateLimited,
    ];

    pub const fn code(self) -> u16 {
        match self {
            ErrorCode::Unknown => 2000,
            ErrorCode::MissingParameter => 2101,
            ErrorCode::InvalidParameter => 2102,
            ErrorCode::ServerError => 2204,
            ErrorCode::NeedBasicAuthentication => 2301,
            ErrorCode::NeedStrongAuthentication => 2302,
            ErrorCode::InvalidSmsCode => 2305,
            ErrorCode::ExpiredSmsCode => 2306,
            ErrorCode::NoPhoneNumber => 2307,
            ErrorCode::WrongPin => 2308,
            ErrorCode::SamePin => 2315,
            ErrorCode::AccountBlocked => 2317,
            ErrorCode::NotVehicleOwner => 2323,
            ErrorCode::NotDeviceOwner => 2324,
            ErrorCode::PhoneAlreadyRegistered => 2390,
            ErrorCode::RateLimited => 2391,
        }
    }

    pub fn from_code(code: u16) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The default label; 2101 and 2102 get the parameter's name appended by the server.
    pub const fn label(self) -> &'static str {
        match self {
            ErrorCode::Unknown => "Unknown error",
            ErrorCode::MissingParameter => "Missing parameter",
            ErrorCode::InvalidParameter => "Invalid parameter",
            ErrorCode::ServerError => "Server error",
            ErrorCode::NeedBasicAuthentication => "Need basic authentication",
            ErrorCode::NeedStrongAuthentication => "Need strong authentication",
            ErrorCode::InvalidSmsCode => "The SMS code is invalid",
            ErrorCode::ExpiredSmsCode => "The SMS code is expired",
            ErrorCode::NoPhoneNumber => "The account has no phone number",
            ErrorCode::WrongPin => "Wrong PIN code",
            ErrorCode::SamePin => "The new PIN equals the previous one",
            ErrorCode::AccountBlocked => "Forbidden operation: account blocked",
            ErrorCode::NotVehicleOwner => "You are not the owner of this vehicle",
            ErrorCode::NotDeviceOwner => "This device is not enrolled on the account",
            ErrorCode::PhoneAlreadyRegistered => "Phone number already registered",
            ErrorCode::RateLimited => "Too many requests",
        }
    }

    /// The HTTP status that mirrors this outcome.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::Unknown | ErrorCode::ServerError => 500,
            ErrorCode::MissingParameter | ErrorCode::InvalidParameter => 400,
            ErrorCode::NeedBasicAuthentication => 401,
            ErrorCode::NeedStrongAuthentication
            | ErrorCode::NotVehicleOwner
            | ErrorCode::NotDeviceOwner => 403,
            ErrorCode::InvalidSmsCode
            | ErrorCode::ExpiredSmsCode
            | ErrorCode::WrongPin
            | ErrorCode::SamePin => 422,
            ErrorCode::NoPhoneNumber | ErrorCode::PhoneAlreadyRegistered => 409,
            ErrorCode::AccountBlocked => 423,
            ErrorCode::RateLimited => 429,
        }
    }
}

impl From<ErrorCode> for u16 {
    fn from(code: ErrorCode) -> u16 {
        code.code()
    }
}

impl TryFrom<u16> for ErrorCode {
    type Error = String;
    fn try_from(code: u16) -> Result<Self, Self::Error> {
        ErrorCode::from_code(code).ok_or_else(|| format!("unknown error code {code}"))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code(), self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_to_the_contract_status() {
        let expected = [
            (2000, 500),
            (2101, 400),
            (2102, 400),
            (2204, 500),
            (2301, 401),
            (2302, 403),
            (2305, 422),
            (2306, 422),
            (2307, 409),
            (2308, 422),
            (2315, 422),
            (2317, 423),
            (2323, 403),
            (2324, 403),
            (2390, 409),
            (2391, 429),
        ];
        assert_eq!(expected.len(), ErrorCode::ALL.len());
        for (code, status) in expected {
            let parsed = ErrorCode::from_code(code).expect("known code");
            assert_eq!(parsed.code(), code);
            assert_eq!(parsed.http_status(), status, "status of {code}");
        }
    }

    #[test]
    fn unknown_numbers_are_not_codes() {
        assert_eq!(ErrorCode::from_code(2309), None);
        assert!(serde_json::from_str::<ErrorCode>("1234").is_err());
    }

    #[test]
    fn codes_serialize_as_numbers() {
        assert_eq!(serde_json::to_string(&ErrorCode::WrongPin).unwrap(), "2308");
        assert_eq!(
            serde_json::from_str::<ErrorCode>("2317").unwrap(),
            ErrorCode::AccountBlocked
        );
    }
}
