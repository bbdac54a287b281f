//! The report detail: every event, matched or not, and why each matched.

use compound_atlas_core::analysis::drilldown::report_detail;
use compound_atlas_core::ingest::{ImportOptions, Input};
use compound_atlas_core::matching::{MatchParams, PortCheck, Strength, match_events};
use compound_atlas_core::pipeline::{Inputs, load};
use compound_atlas_core::values::progress::Progress;

#[test]
fn the_detail_lists_every_event_with_its_matches_provenance_and_extras() {
    let dir = tempfile::tempdir().unwrap();
    let locations = dir.path().join("l.csv");
    std::fs::write(
        &locations,
        "name,ip,first_seen,last_seen,ports,shared,source\n\
         Site A,203.0.113.0/24,2023-01-01,2023-01-31,1000-1999,yes,news report\n\
         Site B,203.0.113.7,,,,no,\n",
    )
    .unwrap();
    let reports = dir.path().join("r.csv");
    std::fs::write(
        &reports,
        "report_id,ip,port,event_time,event_name,platform,case_note\n\
         R1,192.0.2.1,,2023-01-10T00:00:00Z,Login,Platform A,first login\n\
         R1,203.0.113.7,1500,2023-02-01T00:00:00Z,Upload,,\n\
         R2,198.51.100.1,,2023-01-10T00:00:00Z,,,\n",
    )
    .unwrap();
    let inputs = Inputs {
        ip_databases: Vec::new(),
        reports: vec![Input::File(reports.clone()).into()],
        locations: vec![Input::File(locations.clone()).into()],
    };
    let dataset = load(&inputs, ImportOptions::default(), &Progress::default()).unwrap();
    let matches = match_events(&dataset, MatchParams::default(), &Progress::default()).unwrap();
    let detail = report_detail(&dataset, &matches, dataset.reports.find("R1").unwrap());

    assert_eq!(detail.id, "R1");
    assert_eq!(detail.platform, "Platform A");
    assert_eq!(detail.best, Some(Strength::IpOnly));
    assert_eq!(detail.events.len(), 2, "the unmatched event is listed too");
    let unmatched = &detail.events[0];
    assert_eq!((unmatched.index, unmatched.ip.as_str()), (1, "192.0.2.1"));
    assert!(unmatched.matches.is_empty());
    assert_eq!(unmatched.provenance, (reports.clone(), 2));
    assert_eq!(
        unmatched.extras,
        [("case_note".to_string(), "first login".to_string())]
    );

    let matched = &detail.events[1];
    assert_eq!(
        (matched.index, matched.port, matched.provenance.1),
        (2, Some(1500), 3)
    );
    assert_eq!(matched.matches.len(), 2);
    let a = &matched.matches[0];
    assert_eq!(
        (a.location_name.as_str(), a.observation.as_str()),
        ("Site A", "203.0.113.0/24")
    );
    assert_eq!(
        (a.strength, a.seconds_outside_window, a.port_check),
        (Strength::IpOnly, Some(1), PortCheck::Match)
    );
    assert!(a.shared);
    assert_eq!(a.source, "news report");
    assert_eq!(a.provenance, (locations.clone(), 2));
    let b = &matched.matches[1];
    assert_eq!(
        (b.observation.as_str(), b.seconds_outside_window, b.shared),
        ("203.0.113.7/32", None, false)
    );
}
