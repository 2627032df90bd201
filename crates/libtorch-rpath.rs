//! The build script of every package whose binaries link libtorch
//! (`build = "…/libtorch-rpath.rs"`): embeds an rpath to `$LIBTORCH/lib`
//! (set by `.cargo/config.toml` or the environment) so that its binaries,
//! tests and benches find `libtorch_cpu.so` without LD_LIBRARY_PATH.
fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    if let Ok(libtorch) = std::env::var("LIBTORCH") {
        let lib = std::path::Path::new(&libtorch).join("lib");
        let lib = lib.canonicalize().unwrap_or(lib);
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    }
}
