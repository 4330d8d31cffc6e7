//! `/__sim/*`: fault injection, mode, seed, state inspection, reset and certificate rotation, for tests and local
//! debugging. Mounted only with `sim.admin_enabled`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::{check_fault, Simulator};
use crate::SimFaultSetting;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/__sim/faults", web::get().to(get_faults))
        .route("/__sim/faults", web::put().to(put_faults))
        .route("/__sim/kinder", web::put().to(put_kinder))
        .route("/__sim/seed", web::put().to(put_seed))
        .route("/__sim/state", web::get().to(state))
        .route("/__sim/reset", web::post().to(reset))
        .route("/__sim/rotate-cert", web::post().to(rotate_cert));
}

/// A list of faults, or one fault alone.
#[derive(Deserialize)]
#[serde(untagged)]
enum FaultsBody {
    Many(Vec<SimFaultSetting>),
    One(SimFaultSetting),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KinderBody {
    kinder: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBody {
    seed: u64,
}

async fn get_faults(sim: web::Data<Simulator>) -> HttpResponse {
    HttpResponse::Ok().json(sim.faults())
}

async fn put_faults(sim: web::Data<Simulator>, body: web::Bytes) -> HttpResponse {
    let faults = match serde_json::from_slice::<FaultsBody>(&body) {
        Ok(FaultsBody::Many(faults)) => faults,
        Ok(FaultsBody::One(fault)) => vec![fault],
        Err(error) => {
            return bad_request(
                "invalid faults",
                format!("expected a JSON list of faults: {error}"),
            )
        }
    };
    if let Some(reason) = faults.iter().find_map(|f| check_fault(f).err()) {
        return bad_request("invalid faults", reason);
    }
    sim.set_faults(faults);
    HttpResponse::Ok().json(sim.faults())
}

/// `{"kinder": true|false}`: answers the new mode.
async fn put_kinder(sim: web::Data<Simulator>, body: web::Bytes) -> HttpResponse {
    match serde_json::from_slice::<KinderBody>(&body) {
        Ok(KinderBody { kinder }) => {
            sim.set_kinder(kinder);
            HttpResponse::Ok().json(json!({"kinder": sim.kinder()}))
        }
        Err(error) => bad_request(
            "invalid mode",
            format!("expected {{\"kinder\": true|false}}: {error}"),
        ),
    }
}

/// `{"seed": <u64>}`: reseeds the fault dice, so a fault run can be replayed.
async fn put_seed(sim: web::Data<Simulator>, body: web::Bytes) -> HttpResponse {
    match serde_json::from_slice::<SeedBody>(&body) {
        Ok(SeedBody { seed }) => {
            sim.set_seed(seed);
            HttpResponse::Ok().json(json!({"seed": seed}))
        }
        Err(error) => bad_request(
            "invalid seed",
            format!("expected {{\"seed\": <unsigned 64-bit integer>}}: {error}"),
        ),
    }
}

async fn state(sim: web::Data<Simulator>) -> HttpResponse {
    HttpResponse::Ok().json(sim.snapshot())
}

async fn reset(sim: web::Data<Simulator>) -> HttpResponse {
    sim.reset();
    HttpResponse::Ok().json(json!({"reset": true}))
}

/// Certificate mode: the next signing certificate takes over; answers its SN.
async fn rotate_cert(sim: web::Data<Simulator>) -> HttpResponse {
    match sim.rotate_cert() {
        Some(sn) => HttpResponse::Ok().json(json!({"alipay_cert_sn": sn})),
        None => bad_request(
            "not in certificate mode",
            "configure sim.certificates (two or more to rotate)".to_owned(),
        ),
    }
}

fn bad_request(error: &str, detail: String) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"error": error, "detail": detail}))
}
