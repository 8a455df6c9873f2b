# Release builds for Lambda: a non-PIE executable (`-no-pie` at the link), which drops
# the ~2 MB of dynamic relocations a position-independent one carries and the dynamic
# loader's work to apply them at every start. (Not `-C relocation-model=static`: crates
# that also build a cdylib, such as crc-fast under aws-sdk-s3, cannot link that way.)
# Only for the Lambda target triples, so host builds (tests, build scripts, the debug
# cache) are untouched. Sourced by build.sh and cold-start.sh.
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="${CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS:--C link-arg=-no-pie}"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS:--C link-arg=-no-pie}"
