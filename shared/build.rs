//! Generates the plane-to-plane API from `proto/plane.proto` when the `api` feature is on, and
//! the public API from `proto/api/*.proto` when `public-api` is on, with the vendored `protoc`,
//! so no system protobuf compiler is needed.

/// The public API's files, one per service group (after TTS's `api/` layout).
#[cfg(feature = "public-api")]
const PUBLIC_API: &[&str] = &[
    "proto/api/common.proto",
    "proto/api/users.proto",
    "proto/api/organizations.proto",
    "proto/api/applications.proto",
    "proto/api/end_devices.proto",
    "proto/api/gateways.proto",
    "proto/api/api_keys.proto",
    "proto/api/collaborators.proto",
    "proto/api/oauth_clients.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/plane.proto");
    println!("cargo:rerun-if-changed=proto/api");
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
    #[cfg(feature = "public-api")]
    {
        // Messages carry serde derives in the JSON form of the HTTP API (same field names), so
        // the control plane maps them onto its models through one path (`api::grpc::convert`).
        let mut config = tonic_prost_build::Config::new();
        config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
        config.btree_map(["."]);
        tonic_prost_build::configure()
            .build_server(true)
            .build_client(true)
            .build_transport(false)
            .type_attribute(
                ".lorawan.v1",
                "#[derive(serde::Serialize, serde::Deserialize)] #[serde(default)]",
            )
            .compile_with_config(config, PUBLIC_API, &["proto"])?;
    }
    Ok(())
}
