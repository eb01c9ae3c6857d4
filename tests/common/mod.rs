//! What the wasm test suites share: a fake server in place of the network.

use std::cell::RefCell;
use std::rc::Rc;

use portal::api::{self, ApiError, HttpRequest, HttpResponse};

/// A fake server: answers each request with the JSON for its path and keeps
/// what was sent.
pub fn fake_server(
    answer: impl Fn(&HttpRequest) -> (u16, String) + 'static,
) -> Rc<RefCell<Vec<HttpRequest>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = seen.clone();
    let answer = Rc::new(answer);
    api::set_transport(Rc::new(move |request: HttpRequest| {
        let (status, body) = answer(&request);
        log.borrow_mut().push(request);
        Box::pin(async move { Ok::<_, ApiError>(HttpResponse { status, body }) })
    }));
    seen
}
