//! Generates the gRPC client of the data plane's application event stream from
//! `dataplane/proto/events.proto` (the one definition both sides read) with the vendored `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    println!("cargo:rerun-if-changed=../dataplane/proto/events.proto");
    tonic_prost_build::configure()
        .build_server(false)
        .build_client(true)
        .build_transport(true)
        .compile_with_config(
            config,
            &["../dataplane/proto/events.proto"],
            &["../dataplane/proto"],
        )?;
    Ok(())
}
