//! What every scheduled sweep function needs, built once per container by [`wire`]: the
//! same way in its `main.rs`, in the local gateway and in the tests.

use std::sync::Arc;

use crate::aws::Clients;
use crate::config::Config;
use crate::deliver::Senders;
use crate::ports::Store;

use super::{Governor, Limits, SweepOptions};

#[derive(Clone)]
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub senders: Senders,
    pub options: SweepOptions,
    /// Paces every automated send of the function's runs (one per container).
    pub governor: Governor,
}

impl Deps {
    /// As deployed: leases from the wall clock (see [`SweepOptions::deployed`]), sends
    /// paced by the limits the environment sets ([`Limits::from_env`]).
    pub fn new(store: Arc<dyn Store>, senders: Senders) -> Self {
        Self {
            store,
            senders,
            options: SweepOptions::deployed(),
            governor: Governor::new(Limits::from_env()),
        }
    }
}

/// The store and senders from the configuration and the shared clients, default options.
/// No I/O.
pub fn wire(config: &Config, clients: &Clients) -> crate::Result<Deps> {
    let store: Arc<dyn Store> = Arc::new(clients.store(config));
    Ok(Deps::new(store.clone(), clients.senders(config, store)))
}
