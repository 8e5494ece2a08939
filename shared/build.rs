//! Generates the plane-to-plane API from `proto/plane.proto` when the `api` feature is on, with
//! the vendored `protoc`, so no system protobuf compiler is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/plane.proto");
    #[cfg(feature = "api")]
    {
        let mut config = tonic_prost_build::Config::new();
        config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
        tonic_prost_build::configure()
            .build_server(true)
            .build_client(true)
            .build_transport(false)
            .compile_with_config(config, &["proto/plane.proto"], &["proto"])?;
    }
    Ok(())
}
