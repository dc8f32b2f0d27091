//! Unit tests of the device model: asset tags as typed or scanned, and device requests parsed
//! whole, every problem named by its field.

use super::*;

fn laptop() -> DeviceRequest {
    DeviceRequest {
        kind: Some("laptop".into()),
        make: Some("Lenovo".into()),
        model: Some("ThinkPad T480".into()),
        hub_id: Some(1),
        ..DeviceRequest::default()
    }
}

fn fields(errors: Vec<FieldError>) -> Vec<String> {
    errors.into_iter().map(|e| e.field).collect()
}

#[test]
fn asset_tags_read_as_typed_or_scanned() {
    for typed in [
        " tch-00042 ",
        "TCH-42",
        "tch00042",
        "TCH42",
        "Tch-000042",
        "https://loans.example.org/d/TCH-00042",
        "http://127.0.0.1:8080/d/tch-00042?from=label",
    ] {
        assert_eq!(
            AssetTag::parse("t", typed).unwrap().as_str(),
            "TCH-00042",
            "{typed:?}"
        );
    }
    assert_eq!(AssetTag::parse("t", "TCH-123456").unwrap().as_str(), "TCH-123456");
    assert_eq!(AssetTag::numbered("TCH", 42).as_str(), "TCH-00042");
    assert_eq!(AssetTag::numbered("TCH", 123_456).as_str(), "TCH-123456");
    assert_eq!(
        AssetTag::parse("t", "TCH-00042").unwrap().parts(),
        ("TCH", Some(42))
    );
    for bad in [
        "",
        "TCH",
        "TCH-",
        "-0042",
        "TCH-12A",
        "T-1",
        "TCH 42",
        "TCH-00042-1",
        "TCH--42",
        "TCH-+42",
        "TCH-1234567890",
        "https://loans.example.org/devices",
    ] {
        assert!(AssetTag::parse("t", bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn a_minimal_laptop_parses_with_defaults() {
    let device = laptop().parse().unwrap();
    assert_eq!(device.kind, DeviceKind::Laptop);
    assert_eq!(device.details.condition, Condition::Good);
    assert_eq!(device.asset_tag, None);
    assert!(device.details.accessories.is_empty());
}

#[test]
fn every_missing_field_is_named() {
    let errors = DeviceRequest::default().parse().unwrap_err();
    assert_eq!(fields(errors), ["kind", "make", "model", "hub_id"]);
}

#[test]
fn an_unknown_kind_lists_the_kinds() {
    let errors = DeviceRequest {
        kind: Some("phone".into()),
        ..laptop()
    }
    .parse()
    .unwrap_err();
    assert_eq!(errors[0].field, "kind");
    assert_eq!(errors[0].message, "kind must be one of laptop, tablet, mifi");
}

#[test]
fn imeis_must_pass_the_luhn_check() {
    let ok = DeviceRequest {
        imei: Some("49015420 323751 8".into()),
        ..laptop()
    }
    .parse()
    .unwrap();
    assert_eq!(ok.details.imei.as_deref(), Some("490154203237518"));
    let bad = DeviceRequest {
        imei: Some("490154203237519".into()),
        ..laptop()
    }
    .parse()
    .unwrap_err();
    assert_eq!(fields(bad), ["imei"]);
}

#[test]
fn only_mifi_units_and_tablets_take_a_sim() {
    let sim = SimRequest {
        iccid: Some("8944 1000 0000 0000 0001".into()),
        network: Some("Three".into()),
        allowance_gb: Some(20),
        plan_ends_on: Some("2027-03-31".into()),
    };
    let laptop_with_sim = DeviceRequest {
        sim: Some(sim.clone()),
        ..laptop()
    }
    .parse()
    .unwrap_err();
    assert_eq!(fields(laptop_with_sim), ["sim"]);
    let mifi = DeviceRequest {
        kind: Some("mifi".into()),
        sim: Some(sim),
        ..laptop()
    }
    .parse()
    .unwrap();
    let sim = mifi.details.sim.unwrap();
    assert_eq!(sim.iccid, "89441000000000000001");
    assert_eq!(sim.plan_ends_on, NaiveDate::from_ymd_opt(2027, 3, 31));
}

#[test]
fn a_bad_sim_names_the_nested_field() {
    let sim = SimRequest {
        iccid: Some("123".into()),
        network: Some("EE".into()),
        ..SimRequest::default()
    };
    let errors = DeviceRequest {
        kind: Some("mifi".into()),
        sim: Some(sim),
        ..laptop()
    }
    .parse()
    .unwrap_err();
    assert_eq!(fields(errors), ["sim.iccid"]);
}

#[test]
fn accessories_are_trimmed_and_deduplicated() {
    let request = DeviceRequest {
        accessories: Some(vec![
            " charger ".into(),
            "Charger".into(),
            String::new(),
            "case".into(),
        ]),
        ..laptop()
    };
    assert_eq!(request.parse().unwrap().details.accessories, ["charger", "case"]);
}

#[test]
fn dates_and_costs_are_checked() {
    let request = DeviceRequest {
        purchased_on: Some("12/03/2027".into()),
        purchase_cost_pence: Some(-1),
        ..laptop()
    };
    assert_eq!(
        fields(request.parse().unwrap_err()),
        ["purchased_on", "purchase_cost_pence"]
    );
}
