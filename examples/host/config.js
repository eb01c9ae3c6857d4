// The host's configuration: where its portal is. Fixed at deployment, like any other
// endpoint the host trusts with its customers' credentials; `cargo xtask serve` serves
// its own copy naming the portal it started.
var PORTAL_ORIGIN = 'http://127.0.0.1:8080';
