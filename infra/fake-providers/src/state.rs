//! What the fake knows: the accounts it accepts, the faults it was told to inject and
//! every request it received.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Twilio,
    Telnyx,
    Vonage,
}

/// The credentials the fake accepts.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    /// (Account SID, auth token).
    pub twilio: Vec<(String, String)>,
    /// API keys.
    pub telnyx: Vec<String>,
    /// (API key, API secret).
    pub vonage: Vec<(String, String)>,
    /// Numbers held by an account: (provider, account SID or API key, E.164 number).
    pub numbers: Vec<(Provider, String, String)>,
    /// Every account also holds every number in the fictional 555 exchange,
    /// `+1 NPA 555-XXXX` (the demo's numbers and the tests').
    pub fictional_numbers: bool,
    /// Report every accepted message `delivered` to its callback URL (see `callbacks`).
    pub auto_status: bool,
}

/// A North American number in the 555 exchange used for fiction: `+1 NPA 555 XXXX`.
pub fn fictional(number: &str) -> bool {
    let d = number.strip_prefix("+1").unwrap_or_default();
    d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()) && &d[3..6] == "555"
}

impl Accounts {
    /// The credentials `make run` accepts (printed in its banner; documented in README).
    pub fn demo() -> Self {
        Self {
            twilio: vec![(DEMO_TWILIO_SID.into(), DEMO_TWILIO_TOKEN.into())],
            telnyx: vec![DEMO_TELNYX_KEY.into()],
            vonage: vec![(DEMO_VONAGE_KEY.into(), DEMO_VONAGE_SECRET.into())],
            numbers: vec![],
            fictional_numbers: true,
            auto_status: true,
        }
    }
}

pub const DEMO_TWILIO_SID: &str = "AC00000000000000000000000000000010";
pub const DEMO_TWILIO_TOKEN: &str = "local-twilio-token";
pub const DEMO_TELNYX_KEY: &str = "KEY_local_telnyx";
pub const DEMO_VONAGE_KEY: &str = "localvonage";
pub const DEMO_VONAGE_SECRET: &str = "local-vonage-secret";

/// How to answer a request instead of accepting it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// HTTP 429 with `Retry-After: <seconds>`.
    Throttle { retry_after: u64 },
    /// The provider's error answer: HTTP `status` with its error body naming `code` (for
    /// Vonage, HTTP 200 with the part's `status` = `code`).
    Fail { status: u16, code: String },
}

/// One request as the fake saw it. `credential` is who authenticated (SID or API key),
/// never the secret; `accepted` is whether a message id was returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    pub provider: Provider,
    pub path: String,
    pub credential: Option<String>,
    pub authenticated: bool,
    /// The request's fields (form fields or JSON object, as strings).
    pub fields: HashMap<String, String>,
    pub message_id: Option<String>,
    pub status: u16,
}

impl Recorded {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct Inner {
    requests: Vec<Recorded>,
    faults: HashMap<Provider, Vec<Fault>>,
    /// Faults at a rate: (share of sends, seeded generator), after the queued ones.
    random: Option<(f64, StdRng)>,
}

/// The random faults: half throttled (429, `Retry-After: 0`), half a 5xx outage.
fn random_fault(rng: &mut StdRng, provider: Provider) -> Fault {
    if rng.random_bool(0.5) {
        return Fault::Throttle { retry_after: 0 };
    }
    let status = [500, 502, 503][rng.random_range(0..3)];
    let code = match provider {
        Provider::Twilio => "20500",
        Provider::Telnyx => "10007",
        Provider::Vonage => "5",
    };
    Fault::Fail {
        status,
        code: code.into(),
    }
}

#[derive(Clone)]
pub(crate) struct Shared {
    pub accounts: Arc<Mutex<Accounts>>,
    inner: Arc<Mutex<Inner>>,
}

pub(crate) fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

impl Shared {
    pub fn new(accounts: Accounts) -> Self {
        Self {
            accounts: Arc::new(Mutex::new(accounts)),
            inner: Arc::default(),
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner
            .lock()
            .map(|i| i.requests.clone())
            .unwrap_or_default()
    }

    pub fn record(&self, r: Recorded) {
        let auto = r.message_id.clone().filter(|_| self.auto_status());
        if let Ok(mut i) = self.inner.lock() {
            i.requests.push(r);
        }
        if let Some(id) = auto {
            crate::callbacks::auto_deliver(self.clone(), id);
        }
    }

    pub fn auto_status(&self) -> bool {
        self.accounts.lock().is_ok_and(|a| a.auto_status)
    }

    pub fn set_auto_status(&self, enabled: bool) {
        if let Ok(mut a) = self.accounts.lock() {
            a.auto_status = enabled;
        }
    }

    /// The auth token of a Twilio account the fake knows.
    pub fn twilio_token(&self, sid: &str) -> Option<String> {
        let a = self.accounts.lock().ok()?;
        a.twilio
            .iter()
            .find(|(s, _)| same(s, sid))
            .map(|(_, t)| t.clone())
    }

    pub fn inject(&self, provider: Provider, times: u32, fault: Fault) {
        if let Ok(mut i) = self.inner.lock() {
            let q = i.faults.entry(provider).or_default();
            q.extend(std::iter::repeat_n(fault, times as usize));
        }
    }

    /// Fails `rate` of the sends (after any queued faults), reproducibly from `seed`:
    /// half 429 with `Retry-After: 0`, half 500/502/503. A rate of 0 turns it off.
    pub fn set_fault_rate(&self, rate: f64, seed: u64) {
        if let Ok(mut i) = self.inner.lock() {
            i.random = (rate > 0.0).then(|| (rate.min(1.0), StdRng::seed_from_u64(seed)));
        }
    }

    /// The next fault for the provider, consumed: a queued one, else one at the rate.
    pub fn next_fault(&self, provider: Provider) -> Option<Fault> {
        let mut i = self.inner.lock().ok()?;
        if let Some(q) = i.faults.get_mut(&provider).filter(|q| !q.is_empty()) {
            return Some(q.remove(0));
        }
        let (rate, rng) = i.random.as_mut()?;
        let rate = *rate;
        rng.random_bool(rate).then(|| random_fault(rng, provider))
    }

    /// The numbers matching `wanted` (an E.164 number) that `credential`'s account holds.
    pub fn owned(&self, provider: Provider, credential: &str, wanted: &str) -> Vec<String> {
        let Ok(a) = self.accounts.lock() else {
            return vec![];
        };
        let listed = a
            .numbers
            .iter()
            .any(|(p, c, n)| *p == provider && same(c, credential) && n == wanted);
        if listed || (a.fictional_numbers && fictional(wanted)) {
            vec![wanted.to_string()]
        } else {
            vec![]
        }
    }

    pub fn twilio_ok(&self, sid: &str, token: &str) -> bool {
        self.accounts
            .lock()
            .is_ok_and(|a| a.twilio.iter().any(|(s, t)| same(s, sid) & same(t, token)))
    }

    pub fn telnyx_ok(&self, key: &str) -> bool {
        self.accounts
            .lock()
            .is_ok_and(|a| a.telnyx.iter().any(|k| same(k, key)))
    }

    pub fn vonage_ok(&self, key: &str, secret: &str) -> bool {
        self.accounts
            .lock()
            .is_ok_and(|a| a.vonage.iter().any(|(k, s)| same(k, key) & same(s, secret)))
    }
}
