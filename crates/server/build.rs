// `sqlx::migrate!` embeds the migration files at compile time but, on stable Rust, cannot
// ask Cargo to watch their folder: without this, a new migration alone rebuilds nothing
// and the server would start with the previous set.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
