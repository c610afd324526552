//! `GET /api/v1/registrations/{number}/verify`: anyone holding a registration certificate
//! (a tax office, a bank, a partner) confirms its number against the registry. The answer names
//! the contract, its type, when and by which registry it was registered and where it stands —
//! nothing confidential: no parties, amounts or terms.

use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{ContractRow, ContractStatus, ContractType};
use crate::db::schema::contracts;
use crate::error::{ApiError, ApiResult};
use crate::http::endpoint::State;

/// Digits in a registration number: year (2), registry region (6), serial (6).
const NUMBER_DIGITS: usize = 14;

/// What the registry confirms about a registration number.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationCheck {
    /// The registration number asked about (14 digits: year, registry region, serial).
    #[schema(example = "26330100000007")]
    pub registration_number: String,
    /// The contract's name as registered.
    pub contract_name: String,
    /// The contract type (`development`, `transfer`, `license`, `consulting` or `service`).
    pub contract_type: ContractType,
    /// The contract type in Chinese, with its subtype (e.g. `技术转让（专利权转让）`).
    pub contract_type_label: String,
    /// The day it was registered (China time).
    pub registered_on: NaiveDate,
    /// The registry's GB/T 2260 region code.
    pub registry_region_code: String,
    /// The registry's region by its full name (e.g. `浙江省杭州市`).
    pub registry_region_name: Option<String>,
    /// Where the contract stands now: `registered`, `performing`, `completed` or `terminated`
    /// (the registration stays valid in each).
    pub status: ContractStatus,
}

crate::endpoint! {
    /// Confirms a registration number (public: no sign-in). Shows the contract's name, type,
    /// registration day, registry and status; never its parties, amounts or terms.
    get "/registrations/{number}/verify" => verify_registration, tag "contracts",
    public, path { "number": "The 14-digit registration number on the certificate" },
    ok 200 "The number is registered" => RegistrationCheck,
    problems { 404: "No contract is registered under this number", 422: "Not a registration number (14 digits)" },
    |state: State, path: web::Path<String>| -> ApiResult<web::Json<RegistrationCheck>> {
        let number = path.into_inner();
        if number.len() != NUMBER_DIGITS || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::field(
                "number",
                "invalid_format",
                format!("a registration number is {NUMBER_DIGITS} digits"),
            ));
        }
        let found = state
            .db
            .read(move |conn| {
                Ok(contracts::table
                    .filter(contracts::registration_number.eq(&number))
                    .select(ContractRow::as_select())
                    .first(conn)
                    .optional()?)
            })
            .await?;
        let row = found.ok_or_else(|| {
            ApiError::NotFound("no contract is registered under this number".into())
        })?;
        let (Some(registration_number), Some(registered_on)) =
            (row.registration_number.clone(), row.registered_on)
        else {
            return Err(ApiError::NotFound("no contract is registered under this number".into()));
        };
        let registry = row.registry_region_code.clone().unwrap_or_default();
        Ok(web::Json(RegistrationCheck {
            registration_number,
            contract_name: row.name.clone(),
            contract_type: row.contract_type,
            contract_type_label: super::model::type_label_zh(
                row.contract_type,
                row.subtype.as_deref().and_then(|sub| sub.parse().ok()),
            ),
            registered_on,
            registry_region_name: crate::domain::regions::full_name(&registry),
            registry_region_code: registry,
            status: row.status,
        }))
    }
}
