//! The limit on wrong guesses of a PIN or an SMS code per client address, across accounts
//! (`wrong_guesses_per_ip_per_hour`).
//!
//! Each account's own limits (its PIN tries, its SMS code tries) cannot see one address
//! guessing on many accounts: with passwords from another site's breach, every account
//! would give it three more PINs to try. So each guess also takes a token from its
//! address's bucket, after the account's try and before the secret is compared (guesses
//! sent together cannot get past it), and gives it back when it was right or never
//! compared: a customer who types their PIN right is never counted, however many share
//! the address.

use crate::client_ip::ClientIp;
use crate::error::ApiError;
use crate::{rate, AppState};

/// A guess's token from its address's bucket: kept by a wrong guess (dropping it keeps
/// it), returned by [`Token::give_back`] otherwise.
#[must_use = "a guess that is not wrong gives its token back"]
pub struct Token {
    limit: rate::Limit,
    key: String,
}

/// Takes the token of one guess from `client`, or 2391 with the seconds until the next.
pub async fn take(state: &AppState, client: ClientIp, what: &str) -> Result<Token, ApiError> {
    let limit = rate::wrong_guesses_per_ip(state.policy().wrong_guesses_per_ip_per_hour);
    let key = rate::take_for_client(state, limit, client)
        .await
        .inspect_err(|refused| {
            if let Some(retry_after) = refused.body.retry_after_seconds {
                tracing::warn!(
                    retry_after,
                    what,
                    "guess refused: too many wrong guesses from this address"
                );
            }
        })?;
    Ok(Token { limit, key })
}

impl Token {
    /// The guess was right, or never compared: it does not count. Never fails the request
    /// it serves: a token that cannot be given back only costs the address one guess, and
    /// the account's own try must still be settled.
    pub async fn give_back(self, state: &AppState) {
        let given = match state.pool.acquire().await {
            Ok(mut conn) => rate::give_back(&mut conn, self.limit, &self.key).await,
            Err(error) => Err(error.into()),
        };
        if let Err(error) = given {
            tracing::warn!(%error, "a guess's token not given back");
        }
    }
}
