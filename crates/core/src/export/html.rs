//! `summary.html`: one self-contained page for stakeholders that opens offline in any
//! browser. Headline figures, the filter and parameters in words, the map (an inline
//! PNG), the timeline and the weekly activity pattern as inline SVG, a table per
//! location and the methodology with its caveats. No script, no external resource.

use super::geo::LocationRow;
use crate::analysis::Headline;
use crate::analysis::timeline::Timeline;
use crate::values::text::thousands;
use base64::Engine;
use std::fmt::Write;

/// Everything the page shows.
pub struct Page<'a> {
    pub title: &'a str,
    pub headline: Headline,
    pub filter: &'a str,
    pub parameters: &'a [(&'a str, String)],
    pub map_png: &'a [u8],
    /// The link chart as an SVG drawing, masked already when the set is.
    pub links_svg: &'a str,
    pub timeline: &'a Timeline,
    /// Matched events by weekday (Monday first) and hour, UTC.
    pub activity: &'a [[u64; 24]; 7],
    pub locations: &'a [LocationRow<'a>],
    /// The case's audit log, masked already when the set is.
    pub audit: &'a [crate::case::AuditEntry],
    pub masked: bool,
}

/// The audit log's latest entries shown in the summary; audit_log.csv holds them all.
const AUDIT_SHOWN: usize = 40;

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const IP_TIME: &str = "#c0392b";
const IP_ONLY: &str = "#e0a030";

/// Stacked bars of reports per bin: IP + time below, IP only above.
pub fn timeline_svg(timeline: &Timeline) -> String {
    let (width, height, left, bottom) = (900.0, 220.0, 48.0, 28.0);
    let bins = timeline.starts.len();
    let totals: Vec<(u64, u64)> = (0..bins)
        .map(|i| {
            timeline
                .series
                .iter()
                .fold((0, 0), |(t, o), s| (t + s.ip_time[i], o + s.ip_only[i]))
        })
        .collect();
    let max = totals.iter().map(|(t, o)| t + o).max().unwrap_or(0).max(1);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="Matched reports per {}">"#,
        timeline.size.name()
    );
    let plot_w = width - left - 8.0;
    let plot_h = height - bottom - 10.0;
    let bar_w = plot_w / bins.max(1) as f64;
    for (i, (ip_time, ip_only)) in totals.iter().enumerate() {
        let x = left + i as f64 * bar_w;
        let h_time = plot_h * *ip_time as f64 / max as f64;
        let h_only = plot_h * *ip_only as f64 / max as f64;
        let base = 10.0 + plot_h;
        let label = format!(
            "{}: {} IP + time, {} IP only",
            timeline.starts[i], ip_time, ip_only
        );
        let _ = write!(
            svg,
            r#"<g><title>{}</title><rect x="{x:.2}" y="{:.2}" width="{:.2}" height="{h_time:.2}" fill="{IP_TIME}"/><rect x="{x:.2}" y="{:.2}" width="{:.2}" height="{h_only:.2}" fill="{IP_ONLY}"/></g>"#,
            escape(&label),
            base - h_time,
            (bar_w - 0.5).max(0.5),
            base - h_time - h_only,
            (bar_w - 0.5).max(0.5),
        );
    }
    let axis_y = 10.0 + plot_h;
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="#555"/><text x="{}" y="16" font-size="11" text-anchor="end">{}</text><text x="{}" y="{axis_y}" font-size="11" text-anchor="end">0</text>"##,
        width - 8.0,
        left - 4.0,
        max,
        left - 4.0
    );
    // A date under the first, middle and last bar.
    // Anchored inwards at the ends so that no date is cut off.
    for (i, anchor) in [
        (0, "start"),
        (bins / 2, "middle"),
        (bins.saturating_sub(1), "end"),
    ] {
        if let Some(start) = timeline.starts.get(i) {
            let x = left + (i as f64 + 0.5) * bar_w;
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{}" font-size="11" text-anchor="{anchor}">{start}</text>"#,
                height - 8.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The weekday × hour grid of matched events, darker for more.
pub fn activity_svg(grid: &[[u64; 24]; 7]) -> String {
    let (cell, left, top) = (28.0, 40.0, 18.0);
    let max = grid.iter().flatten().copied().max().unwrap_or(0).max(1);
    let width = left + 24.0 * cell + 4.0;
    let height = top + 7.0 * cell + 4.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="Matched events by weekday and hour (UTC)">"#
    );
    for hour in (0..24).step_by(3) {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="12" font-size="11" text-anchor="middle">{hour:02}h</text>"#,
            left + (hour as f64 + 0.5) * cell
        );
    }
    for (day, name) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .iter()
        .enumerate()
    {
        let y = top + day as f64 * cell;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{:.1}" font-size="11" text-anchor="end">{name}</text>"#,
            left - 6.0,
            y + cell * 0.65
        );
        for (hour, &count) in grid[day].iter().enumerate() {
            let shade = count as f64 / max as f64;
            let _ = write!(
                svg,
                r##"<rect x="{:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{IP_TIME}" fill-opacity="{:.3}" stroke="#ddd"><title>{name} {hour:02}:00–{hour:02}:59 UTC: {count} events</title></rect>"##,
                left + hour as f64 * cell,
                cell - 1.0,
                cell - 1.0,
                0.04 + 0.96 * shade
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
.figures{display:flex;gap:1em;flex-wrap:wrap}.figure{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;min-width:12em}\
.figure b{display:block;font-size:1.8em}.muted{color:#666}table{border-collapse:collapse;width:100%;font-size:.92em}\
th,td{border-bottom:1px solid #e4e4e4;padding:.3em .5em;text-align:left}td.t{white-space:nowrap}td.n,th.n{text-align:right}\
img{max-width:100%;height:auto;border:1px solid #ddd}.badge{display:inline-block;background:#333;color:#fff;border-radius:4px;padding:.1em .5em;font-size:.85em}\
.key span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:-.1em}";

/// The whole page.
pub fn page(p: &Page) -> String {
    let h = &p.headline;
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(p.title)
    );
    let _ = writeln!(html, "<h1>{}</h1>", escape(p.title));
    if p.masked {
        html.push_str("<p><span class=\"badge\">identifiers masked</span> Report ids show their last four characters; addresses show only their network.</p>\n");
    }
    let figure = |value: u64, label: &str| {
        format!(
            "<div class=\"figure\"><b>{}</b>{}</div>",
            thousands(value),
            escape(label)
        )
    };
    let _ = write!(
        html,
        "<h2>Headline</h2><div class=\"figures\">{}{}{}</div>\n<p class=\"muted\">Out of {} reports with {} events that pass the filter.</p>\n",
        figure(h.reports_ip_time, "reports linked by IP and time"),
        figure(h.reports_any_match, "reports with any IP match"),
        figure(h.locations_ip_time, "locations with IP + time links"),
        thousands(h.reports),
        thousands(h.events)
    );
    let _ = write!(
        html,
        "<h2>What was exported</h2><p><b>Filter:</b> {}</p><table><tbody>",
        escape(p.filter)
    );
    for (name, value) in p.parameters {
        let _ = write!(
            html,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(name),
            escape(value)
        );
    }
    html.push_str("</tbody></table>\n");
    let _ = writeln!(
        html,
        "<h2>Map</h2><img width=\"960\" height=\"600\" alt=\"Map of the locations; marker area follows the number of matched reports\" src=\"data:image/png;base64,{}\">",
        base64::engine::general_purpose::STANDARD.encode(p.map_png)
    );
    let _ = writeln!(
        html,
        "<h2>Links</h2><p class=\"muted\">The matched reports, the addresses and accounts they used, the locations they matched and the reports tied to them (links.graphml holds the graph).</p>{}",
        p.links_svg
    );
    let _ = writeln!(
        html,
        "<h2>Timeline</h2><p class=\"muted key\">Matched reports per {} (UTC), by best strength in the bin:<span style=\"background:{IP_TIME}\"></span>IP + time<span style=\"background:{IP_ONLY}\"></span>IP only</p>{}",
        p.timeline.size.name(),
        timeline_svg(p.timeline)
    );
    let _ = writeln!(
        html,
        "<h2>Activity by weekday and hour</h2><p class=\"muted\">Matched events, UTC. A shift pattern shows as a band.</p>{}",
        activity_svg(p.activity)
    );
    html.push_str("<h2>Locations</h2><table><thead><tr><th>Location</th><th>Id</th><th>Country</th><th class=\"n\">Reports IP + time</th><th class=\"n\">Reports IP only</th><th class=\"n\">Events</th><th>First match</th><th>Last match</th></tr></thead><tbody>");
    for row in p.locations {
        let s = &row.stats;
        // To the minute, for reading; the CSV files keep the exact times.
        let time = |t: Option<i64>| {
            t.map(|t| {
                let text = crate::values::time::format_time(t).replacen('T', " ", 1);
                format!("{} UTC", text.get(..16).unwrap_or(&text))
            })
            .unwrap_or_default()
        };
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td></tr>",
            escape(&row.location.name),
            escape(&row.location.id),
            escape(&row.location.country),
            thousands(s.reports_ip_time),
            thousands(s.reports_ip_only),
            thousands(s.events_ip_time + s.events_ip_only),
            time(s.first_match),
            time(s.last_match)
        );
    }
    html.push_str("</tbody></table>\n");
    audit_section(&mut html, p.audit);
    html.push_str(METHODOLOGY);
    let _ = writeln!(
        html,
        "<p class=\"muted\">Networks and registered countries of addresses: {}</p>",
        escape(crate::ipdata::builtin::ATTRIBUTION)
    );
    html.push_str("</body></html>\n");
    html
}

fn audit_section(html: &mut String, audit: &[crate::case::AuditEntry]) {
    html.push_str("<h2>Audit log</h2>");
    if audit.is_empty() {
        html.push_str("<p class=\"muted\">No case file: the data was exported without a recorded history.</p>\n");
        return;
    }
    let skipped = audit.len().saturating_sub(AUDIT_SHOWN);
    let _ = write!(
        html,
        "<p class=\"muted\">What was imported, changed and exported in the case, oldest first{}.</p><table><thead><tr><th>When (UTC)</th><th>Analyst</th><th>Action</th><th>Detail</th></tr></thead><tbody>",
        if skipped > 0 {
            format!(
                "; the latest {AUDIT_SHOWN} of {} entries (all are in audit_log.csv)",
                thousands(audit.len() as u64)
            )
        } else {
            String::new()
        }
    );
    for entry in &audit[skipped..] {
        let at = entry.at.replacen('T', " ", 1);
        let _ = write!(
            html,
            "<tr><td class=\"t\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(at.get(..19).unwrap_or(&at)),
            escape(&entry.analyst),
            escape(&entry.action),
            escape(&entry.detail)
        );
    }
    html.push_str("</tbody></table>\n");
}

const METHODOLOGY: &str = "<h2>Method and caveats</h2>
<p>Each report lists the IP addresses it captured, each with a time. Each location list names addresses (single addresses, networks or ranges) observed in use at a compound, usually with the period they were observed. An event <em>matches</em> an observation when its address falls in the observation's addresses.</p>
<ul>
<li><b>IP + time</b>: the address matches <em>and</em> the event's time falls inside the observation period (widened by the tolerance shown above). This is the stronger link.</li>
<li><b>IP only</b>: the address matches, but the observation has no period or the event falls outside it. Addresses are reassigned over time, so this is a weak link on its own.</li>
<li><b>Shared infrastructure</b>: some addresses are shared by many users at once (carrier-grade NAT, mobile networks, satellite links). A match on such an address alone does not identify a device or a person; the tables mark these as shared.</li>
<li><b>Networks</b>: each address's AS (the network that announces it) and registered country come from IP data shipped with the program, or from the analyst's own database, offline. A registered country is where the network is registered, not where the device was; a known shared network (a satellite operator, carrier-grade NAT) is marked in matches.csv's network_note.</li>
<li><b>Ports</b>: where both the event and the observation carry ports, the port check narrows shared addresses; where either lacks them, it cannot.</li>
<li><b>A match is a lead, not proof.</b> It says an address seen in a report was also seen at a location. It needs corroboration before any conclusion about a person or a place.</li>
</ul>
<p class=\"muted\">Made with Compound Atlas, offline. The files in this set are listed with their SHA-256 in manifest.json; <code>compound-atlas verify</code> checks them.</p>
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::timeline::{BinSize, Series};

    #[test]
    fn the_page_holds_the_figures_the_filter_and_escapes_text() {
        let timeline = Timeline {
            size: BinSize::Month,
            zone: Default::default(),
            starts: vec![chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap()],
            series: vec![Series {
                name: "all".into(),
                ip_time: vec![2],
                ip_only: vec![5],
            }],
        };
        let location = crate::model::Location {
            id: "kk".into(),
            name: "KK <Park>".into(),
            country: "MM".into(),
            ..Default::default()
        };
        let rows = [LocationRow {
            location: &location,
            stats: Default::default(),
        }];
        let page = page(&Page {
            title: "Evidence set",
            headline: Headline {
                reports: 1_180_000,
                events: 9,
                reports_ip_time: 493,
                reports_any_match: 18_017,
                locations_ip_time: 41,
            },
            filter: "Country MM.",
            parameters: &[("Tolerance", "2h".into())],
            map_png: &[1, 2, 3],
            links_svg: "<svg></svg>",
            timeline: &timeline,
            activity: &[[0; 24]; 7],
            locations: &rows,
            audit: &[crate::case::AuditEntry {
                at: "2026-11-23T04:35:55.5Z".into(),
                analyst: "A. <Analyst>".into(),
                action: "import".into(),
                detail: "reports.csv".into(),
            }],
            masked: true,
        });
        for needle in [
            "493",
            "18,017",
            "1,180,000",
            "Country MM.",
            "KK &lt;Park&gt;",
            "identifiers masked",
            "data:image/png;base64,AQID",
            "<svg",
            "a lead, not proof",
            "<h2>Audit log</h2>",
            "2026-11-23 04:35:55",
            "A. &lt;Analyst&gt;",
        ] {
            assert!(page.contains(needle), "missing {needle}");
        }
        assert!(!page.contains("<script"), "no script in an evidence page");
        // Nothing is fetched: no external source or link.
        for external in ["src=\"http", "href=\"http", "url(http", "@import"] {
            assert!(!page.contains(external), "{external}");
        }
    }
}
