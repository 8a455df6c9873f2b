//! The staff web console: server-rendered pages under `/console/` (minijinja templates,
//! no JavaScript needed), behind the same HttpApi as the v1 API. Sessions and sign-in are
//! `frontdesk::staff_signin`; every read and action on patients, threads and tasks goes
//! through practice-api's own handlers (`practice_api::as_staff`), so the rules are the
//! API's and a practice's staff can only ever reach that practice.

// The router's future nests every route's; computing its layout needs more than the default depth.
#![recursion_limit = "256"]

mod console_api;
pub mod demo;
mod error;
mod handler;
mod http_io;
mod inbox_page;
mod link_page;
mod offer_actions;
mod pages;
mod routes;
pub mod serve;
mod signin_pages;
mod views;
mod work_pages;
pub use serve::serve;

use std::sync::Arc;

use frontdesk::aws::Clients;
use frontdesk::config::Config;
use frontdesk::ports::{Clock, Store, SystemClock};

pub use error::ConsoleError;
pub use handler::{handle, respond};

/// What the console needs: the API's dependencies (same store, clock and senders).
#[derive(Clone)]
pub struct Deps {
    pub api: practice_api::Deps,
}

impl Deps {
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.api.store
    }
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.api.clock
    }
}

/// Builds the dependencies. The console never calls operator routes, so its operator
/// secret is random (no secret needs configuring for it).
pub fn wire(config: &Config, clients: &Clients) -> frontdesk::Result<Deps> {
    let store: Arc<dyn Store> = Arc::new(clients.store(config));
    Ok(from_parts(
        store.clone(),
        clients.senders(config, store),
        clients.owners(config),
    ))
}

/// The console over an existing store and senders (the local gateway, tests).
pub fn from_parts(
    store: Arc<dyn Store>,
    senders: frontdesk::deliver::Senders,
    owners: frontdesk::ports::Owners,
) -> Deps {
    let mut secret = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut secret);
    Deps {
        api: practice_api::Deps::new(
            store,
            Arc::new(SystemClock),
            practice_api::auth::OperatorSecret::new(&hex::encode(secret)),
            senders,
            owners,
        ),
    }
}
