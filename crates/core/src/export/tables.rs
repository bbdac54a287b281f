//! The evidence set's tables: `matches.csv`, `reports.csv`, `events.csv`,
//! `locations.csv`, `import_errors.csv` and `audit_log.csv`, each built in memory with
//! spreadsheet-safe cells and masked when the set is.

use super::*;

pub(super) fn csv_bytes(
    fill: impl FnOnce(&mut SafeCsv<&mut Vec<u8>>) -> std::io::Result<()>,
) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut csv = SafeCsv::new(&mut bytes);
    // Writing to memory cannot fail.
    fill(&mut csv)
        .and_then(|()| csv.finish())
        .expect("writing CSV to memory");
    bytes
}

pub(super) fn strength_name(strength: Option<Strength>) -> &'static str {
    strength.map_or("", Strength::as_str)
}

/// The reports of the filtered matches, in id order, with their matched-event facts.
pub(super) struct ReportFacts {
    pub(super) best: Option<Strength>,
    pub(super) matched_events: BTreeSet<u32>,
    pub(super) locations: BTreeSet<String>,
}

pub(super) fn report_facts(dataset: &Dataset, view: &FilteredView) -> BTreeMap<u32, ReportFacts> {
    let mut facts: BTreeMap<u32, ReportFacts> = BTreeMap::new();
    for m in &view.matches {
        let report = dataset.events.report[m.event as usize];
        let entry = facts.entry(report).or_insert_with(|| ReportFacts {
            best: None,
            matched_events: BTreeSet::new(),
            locations: BTreeSet::new(),
        });
        entry.best = entry.best.max(Some(m.strength));
        entry.matched_events.insert(m.event);
        let location = dataset.observations[m.observation as usize].location;
        entry
            .locations
            .insert(dataset.locations[location as usize].id.clone());
    }
    facts
}

pub(super) fn matches_csv(dataset: &Dataset, view: &FilteredView, ids: Masking) -> Vec<u8> {
    let set = MatchSet {
        params: Default::default(),
        matches: view.matches.clone(),
    };
    let order = sorted_match_order(dataset, &set);
    csv_bytes(|csv| {
        csv.row(MATCHES_HEADER)?;
        for i in order {
            let record = match_record(dataset, &set.matches[i as usize], ids.0);
            csv.row(record.iter().map(String::as_str))?;
        }
        Ok(())
    })
}

pub(super) fn sorted_reports(dataset: &Dataset, facts: &BTreeMap<u32, ReportFacts>) -> Vec<u32> {
    let mut reports: Vec<u32> = facts.keys().copied().collect();
    reports.sort_by(|&a, &b| dataset.reports.id(a).cmp(dataset.reports.id(b)));
    reports
}

pub(super) fn reports_csv(
    dataset: &Dataset,
    facts: &BTreeMap<u32, ReportFacts>,
    reports: &[u32],
    triage: &Triage,
    ids: Masking,
) -> Vec<u8> {
    csv_bytes(|csv| {
        csv.row([
            "report_id",
            "incident_type",
            "platform",
            "report_date",
            "best_strength",
            "events",
            "matched_events",
            "locations",
            "first_event",
            "last_event",
            "tags",
            "note",
        ])?;
        for &report in reports {
            let r = report as usize;
            let fact = &facts[&report];
            let events = dataset.events_of(report);
            let times = || events.iter().map(|&e| dataset.events.time[e as usize]);
            let id = dataset.reports.id(report);
            let report_date = dataset.reports.report_date[r];
            csv.row([
                ids.report_id(id).as_str(),
                dataset.strings.get(dataset.reports.incident_type[r]),
                dataset.strings.get(dataset.reports.platform[r]),
                &optional_time((report_date != crate::model::NO_TIME).then_some(report_date)),
                strength_name(fact.best),
                &events.len().to_string(),
                &fact.matched_events.len().to_string(),
                &fact.locations.iter().cloned().collect::<Vec<_>>().join(";"),
                &optional_time(times().min()),
                &optional_time(times().max()),
                &triage.tags_of(id).collect::<Vec<_>>().join(";"),
                triage.note_of(id),
            ])?;
        }
        Ok(())
    })
}

pub(super) fn events_csv(
    dataset: &Dataset,
    view: &FilteredView,
    reports: &[u32],
    ids: Masking,
) -> Vec<u8> {
    // Each event's best strength and locations under the filter.
    let mut matched: BTreeMap<u32, (Strength, BTreeSet<&str>)> = BTreeMap::new();
    for m in &view.matches {
        let location = dataset.observations[m.observation as usize].location;
        let entry = matched
            .entry(m.event)
            .or_insert((m.strength, BTreeSet::new()));
        entry.0 = entry.0.max(m.strength);
        entry
            .1
            .insert(dataset.locations[location as usize].id.as_str());
    }
    csv_bytes(|csv| {
        csv.row([
            "report_id",
            "event_index",
            "ip",
            "port",
            "event_time",
            "event_name",
            "possible_proxy",
            "matched",
            "best_strength",
            "locations",
            "source_file",
            "source_line",
            "extra",
            "asn",
            "as_org",
            "ip_country",
            "party",
        ])?;
        for &report in reports {
            let id = ids.report_id(dataset.reports.id(report));
            for (index, &event) in dataset.events_of(report).iter().enumerate() {
                let e = event as usize;
                let events = &dataset.events;
                let file = &dataset.files[events.file[e] as usize];
                let extra = dataset
                    .named_extras(event)
                    .iter()
                    .map(|(c, v)| format!("{c}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                let hit = matched.get(&event);
                let network = dataset.network(event);
                csv.row([
                    id.as_str(),
                    &(index + 1).to_string(),
                    &ids.address(events.addr[e]),
                    &events.port_of(e).map(|p| p.to_string()).unwrap_or_default(),
                    &format_time(events.time[e]),
                    dataset.strings.get(events.name[e]),
                    events
                        .proxy_of(e)
                        .map_or("", |p| if p { "true" } else { "false" }),
                    if hit.is_some() { "true" } else { "false" },
                    hit.map_or("", |(s, _)| s.as_str()),
                    &hit.map(|(_, l)| l.iter().copied().collect::<Vec<_>>().join(";"))
                        .unwrap_or_default(),
                    &file.name(),
                    &events.line[e].to_string(),
                    &extra,
                    &network.asn_text(),
                    &network.as_org,
                    &network.country,
                    events.party_of(e).map_or("", |p| p.name()),
                ])?;
            }
        }
        Ok(())
    })
}

/// The locations the filter's location and country conditions allow, in id order.
pub(super) fn location_rows<'a>(
    dataset: &'a Dataset,
    view: &FilteredView,
    filter: &Filter,
) -> Vec<LocationRow<'a>> {
    let mut rows: Vec<LocationRow> = dataset
        .locations
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            (filter.countries.is_empty() || filter.countries.contains(&l.country))
                && (filter.locations.is_empty() || filter.locations.contains(&l.id))
        })
        .map(|(i, location)| LocationRow {
            location,
            stats: view.summary.locations.get(i).copied().unwrap_or_default(),
        })
        .collect();
    rows.sort_by(|a, b| a.location.id.cmp(&b.location.id));
    rows
}

pub(super) fn locations_csv(rows: &[LocationRow]) -> Vec<u8> {
    csv_bytes(|csv| {
        csv.row(LOCATIONS_SUMMARY_HEADER)?;
        for row in rows {
            let record = location_summary_record(row.location, &row.stats);
            csv.row(record.iter().map(String::as_str))?;
        }
        Ok(())
    })
}

pub(super) fn import_errors_csv(dataset: &Dataset, mask: bool) -> Vec<u8> {
    let mut order: Vec<usize> = (0..dataset.issues.len()).collect();
    order.sort_by_key(|&i| (dataset.issues[i].file, dataset.issues[i].line));
    csv_bytes(|csv| {
        csv.row(["file", "line", "column", "value", "severity", "message"])?;
        for i in order {
            let issue = &dataset.issues[i];
            let file = &dataset.files[issue.file as usize];
            // A bad value in a reports file may be an address or an id: masked sets
            // keep where and why, not the value.
            let hide =
                mask && file.kind == crate::model::FileKind::Reports && !issue.value.is_empty();
            let (value, message) = if hide {
                (
                    "(masked)".to_string(),
                    issue.message.replace(&issue.value, "(masked)"),
                )
            } else {
                (issue.value.clone(), issue.message.clone())
            };
            csv.row([
                file.name().as_str(),
                &issue.line.to_string(),
                &issue.column,
                &value,
                issue.severity.as_str(),
                &message,
            ])?;
        }
        Ok(())
    })
}

/// The audit log, each detail masked like the rest of a masked set.
pub(super) fn audit_entries(
    dataset: &Dataset,
    audit: &[AuditEntry],
    mask: bool,
) -> Vec<AuditEntry> {
    audit
        .iter()
        .map(|entry| AuditEntry {
            detail: if mask {
                crate::analysis::mask::free_text(&entry.detail, |word| {
                    dataset.reports.find(word).is_some()
                })
            } else {
                entry.detail.clone()
            },
            ..entry.clone()
        })
        .collect()
}

pub(super) fn audit_log_csv(audit: &[AuditEntry]) -> Vec<u8> {
    csv_bytes(|csv| {
        csv.row(["at", "analyst", "action", "detail"])?;
        for entry in audit {
            csv.row([
                entry.at.as_str(),
                &entry.analyst,
                &entry.action,
                &entry.detail,
            ])?;
        }
        Ok(())
    })
}
