fn main() {
    std::process::exit(compound_atlas::cli::main());
}
