fn main() {
    for l in compound_atlas::basemap::data::parse(compound_atlas::basemap::data::GSHHG_DCW).unwrap()
    {
        for f in &l.features {
            for r in &f.rings {
                let near: Vec<_> = r
                    .iter()
                    .filter(|p| (p[0] - 98.55).abs() < 0.3 && (p[1] - 16.67).abs() < 0.5)
                    .collect();
                if !near.is_empty() && l.id >= 6 && l.id < 9 {
                    println!(
                        "{} ring len {} near {} first {:?} last {:?}",
                        l.name,
                        r.len(),
                        near.len(),
                        near.first(),
                        near.last()
                    );
                }
            }
        }
    }
}
