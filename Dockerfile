# keyledger in a container: one static binary on an empty image, run as a
# non-root user.
#
#   docker build -t keyledger .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/repo" keyledger check
#
# Run as your own user (--user) so files keyledger writes (a baseline, a
# draft inventory) are yours, and so git accepts the mounted repository as
# owned by the caller (for --staged, --since and --history). Without it the
# image runs as 65532, never as root.
#
# The default build compiles from source (Alpine's musl toolchain). The
# release workflow builds the `release` target instead, from the static
# binaries it has already built and tested (dist/amd64, dist/arm64).

ARG RUST_VERSION=1

FROM rust:${RUST_VERSION}-alpine AS build
# libgit2, mimalloc and BLAKE3 have C parts.
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
RUN cargo build --release --locked \
 && cp target/release/keyledger /keyledger \
 && /keyledger --version

FROM scratch AS release
ARG TARGETARCH
COPY dist/${TARGETARCH}/keyledger /keyledger
USER 65532:65532
WORKDIR /repo
ENTRYPOINT ["/keyledger"]
CMD ["check"]

FROM scratch
COPY --from=build /keyledger /keyledger
USER 65532:65532
WORKDIR /repo
ENTRYPOINT ["/keyledger"]
CMD ["check"]
