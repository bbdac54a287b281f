//! The activity profiles of the lead score's `activity_fit`: per location, the weekday ×
//! hour pattern of its IP + time matches in local time, leaning on its country's and all
//! locations' patterns when it has few (`docs/ranking.md`).

use super::ranking::Weights;
use super::timeline::{local_time, zone_of_country};
use crate::matching::{MatchSet, Strength};
use crate::model::Dataset;
use crate::values::time::ImportZone;
use chrono::{Datelike, Timelike};
use hashbrown::HashMap;

/// The activity profiles: per location, the weekday × hour pattern of its IP + time
/// matched events in the location's local time. A location with few such events leans
/// on its country's pattern, and a country on all locations' (each pattern starts from
/// `profile_prior_events` events' worth of the wider one); the pattern is smoothed over
/// neighbouring hours and weekdays and scaled so that its busiest cell is 1.
pub(super) struct Profiles {
    by_location: HashMap<u32, Profile>,
    zones: Vec<ImportZone>,
    /// Whether any event matched IP + time: without one no pattern is known.
    any: bool,
}

/// A weekday × hour pattern, scaled so that its busiest cell is 1.
struct Profile([[f64; 24]; 7]);

/// Counts per weekday × hour, and how many events they hold.
#[derive(Clone, Copy)]
struct Grid([[f64; 24]; 7], f64);

impl Grid {
    const EMPTY: Grid = Grid([[0.0; 24]; 7], 0.0);

    /// These counts, starting from `prior` events' worth of `wider` (a distribution).
    fn over(&self, wider: &[[f64; 24]; 7], prior: f64) -> [[f64; 24]; 7] {
        let mut cells = [[0.0; 24]; 7];
        for (day, hours) in cells.iter_mut().enumerate() {
            for (h, cell) in hours.iter_mut().enumerate() {
                *cell = (self.0[day][h] + prior * wider[day][h]) / (self.1 + prior);
            }
        }
        cells
    }
}

/// Spread each hour over its neighbours (the hour is circular) and mix each weekday
/// with the mean of all weekdays, since a shift keeps its hours all week.
fn smooth(cells: &[[f64; 24]; 7]) -> [[f64; 24]; 7] {
    let mut spread = [[0.0; 24]; 7];
    for (day, hours) in cells.iter().enumerate() {
        for h in 0..24 {
            spread[day][h] =
                0.25 * hours[(h + 23) % 24] + 0.5 * hours[h] + 0.25 * hours[(h + 1) % 24];
        }
    }
    let mut out = [[0.0; 24]; 7];
    for (day, hours) in spread.iter().enumerate() {
        for h in 0..24 {
            let all_days: f64 = spread.iter().map(|d| d[h]).sum::<f64>() / 7.0;
            out[day][h] = 0.5 * hours[h] + 0.5 * all_days;
        }
    }
    out
}

impl Profile {
    /// From a distribution (cells summing to 1) and a floor for unseen cells.
    fn of(cells: &[[f64; 24]; 7], floor: f64) -> Profile {
        let mut cells = smooth(cells);
        for v in cells.iter_mut().flatten() {
            *v += floor / 168.0;
        }
        let peak = cells
            .iter()
            .flatten()
            .copied()
            .fold(f64::MIN_POSITIVE, f64::max);
        for v in cells.iter_mut().flatten() {
            *v /= peak;
        }
        Profile(cells)
    }
}

impl Profiles {
    pub(super) fn new(dataset: &Dataset, matches: &MatchSet, weights: &Weights) -> Profiles {
        let zones: Vec<ImportZone> = dataset
            .locations
            .iter()
            .map(|l| zone_of_country(&l.country).map_or(ImportZone::Utc, ImportZone::Named))
            .collect();
        let mut by_location: HashMap<u32, Grid> = HashMap::new();
        let mut by_country: HashMap<&str, Grid> = HashMap::new();
        let mut all = Grid::EMPTY;
        for group in matches.matches.chunk_by(|a, b| a.event == b.event) {
            let Some(m) = group.iter().find(|m| m.strength == Strength::IpTime) else {
                continue;
            };
            let location = dataset.observations[m.observation as usize].location;
            let (day, hour) = cell(dataset, &zones, location, m.event);
            let country = dataset.locations[location as usize].country.as_str();
            for grid in [
                by_location.entry(location).or_insert(Grid::EMPTY),
                by_country.entry(country).or_insert(Grid::EMPTY),
                &mut all,
            ] {
                grid.0[day][hour] += 1.0;
                grid.1 += 1.0;
            }
        }
        let prior = weights.profile_prior_events;
        let uniform = [[1.0 / 168.0; 24]; 7];
        let everywhere = all.over(&uniform, prior);
        let mut profiles = HashMap::new();
        for (l, location) in dataset.locations.iter().enumerate() {
            let country = by_country
                .get(location.country.as_str())
                .map_or(everywhere, |g| g.over(&everywhere, prior));
            let cells = by_location
                .get(&(l as u32))
                .map_or(country, |g| g.over(&country, prior));
            profiles.insert(l as u32, Profile::of(&cells, weights.profile_floor));
        }
        Profiles {
            by_location: profiles,
            zones,
            any: all.1 > 0.0,
        }
    }

    /// The mean profile value at the events' local weekday and hour; 0.5 without a
    /// location or without any IP + time match at all.
    pub(super) fn fit(&self, dataset: &Dataset, location: Option<u32>, events: &[u32]) -> f64 {
        let (Some(location), true) = (location, self.any) else {
            return 0.5;
        };
        let profile = &self.by_location[&location];
        let total: f64 = events
            .iter()
            .map(|&e| {
                let (day, hour) = cell(dataset, &self.zones, location, e);
                profile.0[day][hour]
            })
            .sum();
        total / events.len().max(1) as f64
    }
}

/// An event's weekday (Monday 0) and hour in a location's local time.
fn cell(dataset: &Dataset, zones: &[ImportZone], location: u32, event: u32) -> (usize, usize) {
    let local = local_time(
        dataset.events.time[event as usize],
        zones[location as usize],
    );
    (
        local.weekday().num_days_from_monday() as usize,
        local.hour() as usize,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_peaks_at_the_shift_and_stays_low_elsewhere() {
        let mut grid = [[0.0; 24]; 7];
        for day in grid.iter_mut() {
            day[20..24].fill(5.0 / 140.0);
        }
        let profile = Profile::of(&grid, 0.02);
        assert!(profile.0[2][22] > 0.95);
        assert!(profile.0[2][10] < 0.05);
        assert!(profile.0[2][10] > 0.0, "smoothing keeps every cell above 0");
    }
}
