//! Generates the gRPC events service from `proto/events.proto` with the vendored `protoc`, so
//! no system protobuf compiler is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .build_transport(false)
        .compile_with_config(config, &["proto/events.proto"], &["proto"])?;
    Ok(())
}
