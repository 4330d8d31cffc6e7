//! `/__sim/*`: fault injection, state inspection and reset, for tests and local debugging.
//! Mounted only with `sim.admin_enabled`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{check_fault, Simulator};
use crate::config::SimFaultSetting;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/__sim/faults", web::get().to(get_faults))
        .route("/__sim/faults", web::put().to(put_faults))
        .route("/__sim/state", web::get().to(state))
        .route("/__sim/reset", web::post().to(reset));
}

/// A list of faults, or one fault alone.
#[derive(Deserialize)]
#[serde(untagged)]
enum FaultsBody {
    Many(Vec<SimFaultSetting>),
    One(SimFaultSetting),
}

async fn get_faults(sim: web::Data<Simulator>) -> HttpResponse {
    HttpResponse::Ok().json(sim.faults())
}

async fn put_faults(sim: web::Data<Simulator>, body: web::Bytes) -> HttpResponse {
    let faults = match serde_json::from_slice::<FaultsBody>(&body) {
        Ok(FaultsBody::Many(faults)) => faults,
        Ok(FaultsBody::One(fault)) => vec![fault],
        Err(error) => return bad_request(format!("expected a JSON list of faults: {error}")),
    };
    if let Some(reason) = faults.iter().find_map(|f| check_fault(f).err()) {
        return bad_request(reason);
    }
    sim.set_faults(faults);
    HttpResponse::Ok().json(sim.faults())
}

async fn state(sim: web::Data<Simulator>) -> HttpResponse {
    HttpResponse::Ok().json(sim.snapshot())
}

async fn reset(sim: web::Data<Simulator>) -> HttpResponse {
    sim.reset();
    HttpResponse::Ok().json(json!({"reset": true}))
}

fn bad_request(detail: String) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"error": "invalid faults", "detail": detail}))
}
