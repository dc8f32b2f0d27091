//! One device twice in a file: the same asset tag written two ways, or the same serial number,
//! is named on its second row with the row it first came on, and nothing is written.

use reqwest::StatusCode;

use crate::{
    helpers::{TestApp, json_of},
    imports::{import, problems},
};

#[tokio::test(flavor = "multi_thread")]
async fn a_device_twice_in_one_file_is_named_on_its_second_row() {
    let app = TestApp::spawn().await;
    app.hub("Riverside").await;
    let csv = "Asset Tag,Serial Number,Manufacturer,Model Name,Category,Location\r\n\
TST-00101,SN-1,Lenovo,ThinkPad T480,Laptop,Riverside\r\n\
TST-00102,SN-2,Lenovo,ThinkPad T480,Laptop,Riverside\r\n\
tst-101,SN-3,Lenovo,ThinkPad T480,Laptop,Riverside\r\n\
TST-00104,SN-2,Lenovo,ThinkPad T480,Laptop,Riverside\r\n\
TST-1010,SN-10,Lenovo,ThinkPad T480,Laptop,Riverside\r\n";
    let report = json_of(
        import(&app, &app.token, "/api/v1/imports/devices", csv.into()).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(report["imported"], 0);
    assert_eq!(
        problems(&report),
        [
            (4, "Asset Tag".to_owned(), "TST-00101 is also on row 2".to_owned()),
            (
                5,
                "Serial Number".to_owned(),
                "serial number SN-2 is also on row 3".to_owned()
            ),
        ],
        "TST-1010 is another device"
    );
}
