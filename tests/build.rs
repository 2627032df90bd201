//! Embeds an rpath to libtorch (`$LIBTORCH/lib`, set by `.cargo/config.toml`
//! or the environment) so that this crate's binaries and tests find
//! `libtorch_cpu.so` without LD_LIBRARY_PATH.
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(libtorch) = std::env::var("LIBTORCH") {
        let lib = std::path::Path::new(&libtorch).join("lib");
        let lib = lib.canonicalize().unwrap_or(lib);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
