//! One screen per file, named after its step.

pub mod account;
mod devices;
pub mod enroll;
mod home;
mod not_found;
mod require_sign_in;
mod sign_in;
mod unsupported;

pub use devices::Devices;
pub use home::Home;
pub use not_found::NotFound;
pub use require_sign_in::RequireSignIn;
pub use sign_in::SignIn;
pub use unsupported::Unsupported;
