//! The timeline panel's pictures: the controls and bars of the timeline, its date marks,
//! the activity pattern's zone choice and weekday × hour heatmap.

use super::*;

/// Grid marks for a day-number axis: years, months or days as the span allows, with
/// larger steps for coarser marks so their labels win.
pub(super) fn date_marks(input: GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    let span = high - low;
    let mut marks = Vec::new();
    let (first, last) = (
        date_of_day(low.floor() as i64),
        date_of_day(high.ceil() as i64),
    );
    let mut month = chrono::NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&first),
        chrono::Datelike::month(&first),
        1,
    )
    .unwrap_or(first);
    while month <= last {
        let is_year = chrono::Datelike::month(&month) == 1;
        let show_months = span < 3.0 * 365.0;
        if is_year || show_months {
            marks.push(GridMark {
                value: day_number(month) as f64,
                step_size: if is_year && !show_months {
                    365.0
                } else if is_year {
                    366.0
                } else {
                    30.0
                },
            });
        }
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(last + chrono::Duration::days(1));
    }
    if span < 75.0 {
        // Every day for a fortnight, else every seventh: labels that fit side by side.
        let every = if span < 15.0 { 1 } else { 7 };
        let mut day = first;
        while day <= last {
            if chrono::Datelike::day(&day) != 1 {
                marks.push(GridMark {
                    value: day_number(day) as f64,
                    step_size: every as f64,
                });
            }
            day += chrono::Duration::days(every);
        }
    }
    marks
}

/// Marks for counts: whole numbers only, 1, 2 or 5 times a power of ten apart, at most
/// about eight.
pub(super) fn count_marks(input: GridInput) -> Vec<GridMark> {
    let (low, high) = input.bounds;
    let span = (high - low).max(1.0);
    // Bounds no count reaches (or not numbers at all) get no marks rather than a loop
    // that never ends.
    if !span.is_finite() || !low.is_finite() || high.abs() > 1e15 {
        return Vec::new();
    }
    let mut scale = 1.0;
    let step = loop {
        if let Some(m) = [1.0, 2.0, 5.0]
            .into_iter()
            .find(|m| span / (m * scale) <= 8.0)
        {
            break m * scale;
        }
        scale *= 10.0;
    };
    let first = (low.max(0.0) / step).ceil();
    (0..12)
        .map(|i| (first + f64::from(i)) * step)
        .take_while(|&value| value <= high)
        .map(|value| GridMark {
            value,
            step_size: step,
        })
        .collect()
}

/// The months strip's axis, in the header above it: each year's January (and the first
/// month) labelled where its month starts; quarters too when there is room.
pub(super) fn month_axis(ui: &mut Ui, first: (i32, u32), months: usize) {
    let width = ui.available_width().max(60.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 18.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let step = width / months as f32;
    let quarters = step * 3.0 >= 56.0;
    let font = egui::FontId::proportional(11.0);
    let colour = ui.visuals().text_color();
    for index in 0..months {
        let month0 = first.1 as usize - 1 + index;
        let (year, month) = (first.0 + (month0 / 12) as i32, month0 % 12 + 1);
        let label = if month == 1 || index == 0 {
            format!("{year}")
        } else if quarters && month % 3 == 1 {
            ["", "", "", "", "Apr", "", "", "Jul", "", "", "Oct", "", ""][month].to_string()
        } else {
            continue;
        };
        let x = rect.left() + index as f32 * step;
        painter.line_segment(
            [
                egui::pos2(x, rect.bottom() - 4.0),
                egui::pos2(x, rect.bottom()),
            ],
            egui::Stroke::new(1.0, colour),
        );
        painter.text(
            egui::pos2(x + 2.0, rect.top()),
            egui::Align2::LEFT_TOP,
            label,
            font.clone(),
            colour,
        );
    }
}

/// The tallest bar of the timeline (its series stacked).
pub(super) fn tallest_bar(t: &Timeline) -> u64 {
    (0..t.starts.len())
        .map(|i| {
            t.series
                .iter()
                .map(|s| {
                    s.ip_time.get(i).copied().unwrap_or(0) + s.ip_only.get(i).copied().unwrap_or(0)
                })
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0)
}

/// Above the timeline: the bin size, splitting by location, and the date range's state.
pub(super) fn timeline_controls(
    ui: &mut Ui,
    t: &Timeline,
    bin: &mut Option<BinSize>,
    split: &mut bool,
    workspace: &Workspace,
    intents: &mut Vec<Intent>,
) {
    egui::ComboBox::new("timeline-bin", "bins")
        .selected_text(match *bin {
            None => format!("auto ({})", t.size.name()),
            Some(size) => size.name().to_string(),
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(bin, None, "auto");
            ui.selectable_value(bin, Some(BinSize::Day), "day");
            ui.selectable_value(bin, Some(BinSize::Week), "week");
            ui.selectable_value(bin, Some(BinSize::Month), "month");
        });
    ui.checkbox(split, format!("Split by location (top {SPLIT_TOP})"));
    let filter = &workspace.filter;
    if filter.from.is_some() || filter.to.is_some() {
        if ui.button("Clear date range").clicked() {
            intents.push(Intent::SetFilter(Filter {
                from: None,
                to: None,
                ..filter.clone()
            }));
        }
    } else {
        ui.label(
            RichText::new("Drag across the chart to filter by dates; double-click clears.").weak(),
        );
    }
}

/// The bars: reports per bin by strength, or stacked by the top locations.
pub(super) fn timeline_charts(t: &Timeline, ends: &[i64], split: bool) -> Vec<BarChart> {
    let mut charts: Vec<BarChart> = Vec::new();
    let bars = |values: &[u64], label: &str, colour: Color32| -> Vec<Bar> {
        t.starts
            .iter()
            .zip(ends)
            .zip(values)
            .map(|((&start, &end), &value)| {
                let first = day_number(start) as f64;
                Bar::new((first + end as f64) / 2.0, value as f64)
                    .width((end as f64 - first) * 0.9)
                    .name(format!("{start} to {} — {label}", date_of_day(end - 1)))
                    .fill(colour)
            })
            .collect()
    };
    if split {
        for (i, series) in t.series.iter().enumerate() {
            let totals: Vec<u64> = series
                .ip_time
                .iter()
                .zip(&series.ip_only)
                .map(|(a, b)| a + b)
                .collect();
            let others: Vec<&BarChart> = charts.iter().collect();
            let colour = SERIES_COLOURS[i.min(SERIES_COLOURS.len() - 1)];
            let chart = BarChart::new(series.name.clone(), bars(&totals, &series.name, colour))
                .color(colour)
                .stack_on(&others);
            charts.push(chart);
        }
    } else {
        let all = &t.series[0];
        let strong = BarChart::new(
            "IP + time",
            bars(&all.ip_time, "reports IP + time", theme::IP_TIME),
        )
        .color(theme::IP_TIME);
        let weak = BarChart::new(
            "IP only",
            bars(&all.ip_only, "reports IP only", theme::IP_ONLY),
        )
        .color(theme::IP_ONLY)
        .stack_on(&[&strong]);
        charts.push(strong);
        charts.push(weak);
    }
    charts
}

/// Which time zone the activity pattern is drawn in.
pub(super) fn zone_choice(ui: &mut Ui, choice: &mut ZoneChoice) {
    ui.horizontal(|ui| {
        ui.label("Time zone:");
        ui.selectable_value(choice, ZoneChoice::Location, "locations' local time");
        ui.selectable_value(choice, ZoneChoice::Utc, "UTC");
        egui::ComboBox::new("activity-zone", "other")
            .selected_text(match &*choice {
                ZoneChoice::Named(name) => name.clone(),
                _ => "…".into(),
            })
            .show_ui(ui, |ui| {
                for zone in [
                    "Asia/Yangon",
                    "Asia/Bangkok",
                    "Asia/Phnom_Penh",
                    "Asia/Vientiane",
                    "Asia/Manila",
                    "Asia/Shanghai",
                ] {
                    ui.selectable_value(choice, ZoneChoice::Named(zone.into()), zone);
                }
            });
    });
}

/// The weekday × hour grid as shaded cells, with hour and day labels and a tooltip.
pub(super) fn heatmap(ui: &mut Ui, grid: &[[u64; 24]; 7]) {
    let max = grid.iter().flatten().copied().max().unwrap_or(0).max(1);
    let label_width = 40.0;
    let available = ui.available_size();
    let cell = egui::vec2(
        ((available.x - label_width) / 24.0).clamp(12.0, 48.0),
        ((available.y - 24.0) / 7.0).clamp(10.0, 40.0),
    );
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(label_width + cell.x * 24.0, 18.0 + cell.y * 7.0),
        egui::Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    let text_colour = ui.visuals().text_color();
    let font = egui::FontId::proportional(11.0);
    for hour in (0..24).step_by(2) {
        let x = rect.left() + label_width + cell.x * (hour as f32 + 0.5);
        painter.text(
            egui::pos2(x, rect.top()),
            egui::Align2::CENTER_TOP,
            format!("{hour:02}"),
            font.clone(),
            text_colour,
        );
    }
    let base = ui.visuals().extreme_bg_color;
    for (day, name) in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .iter()
        .enumerate()
    {
        let y = rect.top() + 18.0 + cell.y * day as f32;
        painter.text(
            egui::pos2(rect.left(), y + cell.y / 2.0),
            egui::Align2::LEFT_CENTER,
            *name,
            font.clone(),
            text_colour,
        );
        for (hour, &value) in grid[day].iter().enumerate() {
            let strength = (value as f32 / max as f32).sqrt();
            let colour = base.lerp_to_gamma(theme::IP_TIME, strength);
            let min = egui::pos2(rect.left() + label_width + cell.x * hour as f32, y);
            painter.rect_filled(
                egui::Rect::from_min_size(min, cell - egui::vec2(1.0, 1.0)),
                2.0,
                colour,
            );
        }
    }
    if let Some(pos) = response.hover_pos() {
        let hour = ((pos.x - rect.left() - label_width) / cell.x).floor();
        let day = ((pos.y - rect.top() - 18.0) / cell.y).floor();
        if (0.0..24.0).contains(&hour) && (0.0..7.0).contains(&day) {
            let value = grid[day as usize][hour as usize];
            response.on_hover_text(format!(
                "{}, {:02}:00–{:02}:59: {value} events",
                compound_atlas_core::analysis::timeline::WEEKDAYS[day as usize],
                hour as u32,
                hour as u32
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(low: f64, high: f64) -> Vec<f64> {
        let input = GridInput {
            bounds: (low, high),
            base_step_size: 0.1,
        };
        count_marks(input).into_iter().map(|m| m.value).collect()
    }

    #[test]
    fn counts_get_whole_number_marks_and_odd_bounds_none() {
        assert_eq!(marks(0.0, 1.3), [0.0, 1.0]);
        assert_eq!(marks(-0.5, 12.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]);
        assert_eq!(
            marks(0.0, 390.0),
            [0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 300.0, 350.0]
        );
        assert!(marks(0.0, f64::INFINITY).is_empty());
        assert!(marks(f64::NAN, 3.0).is_empty());
        assert!(marks(1e300, 1e300 + 5.0).is_empty());
    }
}
